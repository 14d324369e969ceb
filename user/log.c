// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "log.h"

static enum xf_log_level current_level = XF_LOG_WARN;

void xf_log_set_level(enum xf_log_level level)
{
	current_level = level;
}

enum xf_log_level xf_log_get_level(void)
{
	return current_level;
}

static const char *const level_prefix[] = {
	[XF_LOG_ERROR] = "error: ",
	[XF_LOG_WARN] = "warning: ",
	[XF_LOG_INFO] = "",
	[XF_LOG_DEBUG] = "debug: ",
};

void xf_log(enum xf_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > current_level)
		return;
	fprintf(stderr, "xdpfence: %s", level_prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum xf_log_level mapped = level == LIBBPF_WARN	  ? XF_LOG_INFO
				   : level == LIBBPF_INFO ? XF_LOG_DEBUG
							  : XF_LOG_DEBUG + 1;

	/* libbpf warnings are context for our own error message, which
	 * follows; show them from -v on */
	if (mapped > current_level)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void xf_log_init_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
