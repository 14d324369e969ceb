/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Diagnostics on stderr with levels; libbpf's messages routed through them. */
#ifndef XF_LOG_H
#define XF_LOG_H

enum xf_log_level {
	XF_LOG_ERROR = 0,
	XF_LOG_WARN = 1,
	XF_LOG_INFO = 2,
	XF_LOG_DEBUG = 3, /* -vv: also libbpf debug output */
};

void xf_log_set_level(enum xf_log_level level);
enum xf_log_level xf_log_get_level(void);
/* Install the libbpf print callback (call once, before any libbpf use). */
void xf_log_init_libbpf(void);
void xf_log(enum xf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define xf_err(...) xf_log(XF_LOG_ERROR, __VA_ARGS__)
#define xf_warn(...) xf_log(XF_LOG_WARN, __VA_ARGS__)
#define xf_info(...) xf_log(XF_LOG_INFO, __VA_ARGS__)
#define xf_debug(...) xf_log(XF_LOG_DEBUG, __VA_ARGS__)

#endif /* XF_LOG_H */
