// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* attach / detach / status / purge: the XDP program goes on through a
 * pinned bpf_link (it keeps filtering after the CLI exits), the tc
 * companion through a clsact ingress filter. An attach that fails part-way
 * leaves nothing behind. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "cli.h"
#include "log.h"
#include "names.h"
#include "rules.h"

/* Our tc filter's identity on the clsact ingress hook. */
#define XF_TC_HANDLE 0x5846 /* "XF" */
#define XF_TC_PRIORITY 0x5846

static __u64 current_netns_ino(void)
{
	struct stat sb;

	return stat("/proc/self/ns/net", &sb) ? 0 : sb.st_ino;
}

static int link_pin_path(const struct xf_state *st, const struct xf_iface *rec, char *buf,
			 size_t len)
{
	int n = snprintf(buf, len, "%s/%s/%llu-%u", st->pin_dir, XF_LINKS_DIR,
			 (unsigned long long)rec->netns_ino, rec->ifindex);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int iface_read(const struct xf_state *st, __u32 slot, struct xf_iface *rec)
{
	return bpf_map_lookup_elem(st->map_fd[XF_MAP_IFACES], &slot, rec) ? -errno : 0;
}

static int iface_write(const struct xf_state *st, __u32 slot, const struct xf_iface *rec)
{
	return bpf_map_update_elem(st->map_fd[XF_MAP_IFACES], &slot, rec, BPF_ANY) ? -errno : 0;
}

/* Slot of the record for ifindex in netns, or -1; *free_slot gets a free one. */
static int iface_find(const struct xf_state *st, __u64 netns, __u32 ifindex, int *free_slot)
{
	struct xf_iface rec;
	__u32 slot;

	if (free_slot)
		*free_slot = -1;
	for (slot = 0; slot < XF_MAX_IFACES; slot++) {
		if (iface_read(st, slot, &rec))
			continue;
		if (!rec.in_use) {
			if (free_slot && *free_slot < 0)
				*free_slot = slot;
			continue;
		}
		if (rec.netns_ino == netns && rec.ifindex == ifindex)
			return slot;
	}
	return -1;
}

const char *xf_iface_name(const struct xf_state *st, __u32 ifindex, char *buf, size_t len)
{
	__u64 netns = current_netns_ino();
	struct xf_iface rec;
	bool other = false;
	__u32 slot;

	/* an ifindex means something only inside its namespace: prefer the
	 * attachment record, which knows which namespace it came from */
	for (slot = 0; slot < XF_MAX_IFACES; slot++) {
		if (iface_read(st, slot, &rec) || !rec.in_use || rec.ifindex != ifindex)
			continue;
		snprintf(buf, len, "%.*s", (int)sizeof(rec.name), rec.name);
		if (rec.netns_ino == netns)
			return buf;
		other = true;
	}
	if (!other)
		snprintf(buf, len, "ifindex %u", ifindex);
	return buf;
}

static int pinned_prog_fd(const struct xf_state *st, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", st->pin_dir, name);
	return bpf_obj_get(path);
}

static int tc_attach(int ifindex, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = XF_TC_HANDLE,
			    .priority = XF_TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static int tc_detach(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XF_TC_HANDLE,
			    .priority = XF_TC_PRIORITY);
	int err = bpf_tc_detach(&hook, &opts);

	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

static const char *xdp_attach_error(int err, enum xf_attach_mode mode)
{
	switch (err) {
	case -EOPNOTSUPP:
		return mode == XF_MODE_NATIVE
			       ? "the driver has no native XDP support (use --mode generic)"
			       : "XDP is not supported here";
	case -EBUSY:
	case -EEXIST:
		return "another XDP program is already attached";
	case -ERANGE:
		return "the MTU is too large for XDP on this driver (lower the MTU, or use "
		       "--mode generic)";
	case -EINVAL:
		return mode == XF_MODE_NATIVE
			       ? "the driver refused native XDP (MTU or configuration; "
				 "--mode generic may work)"
			       : "the kernel refused the attachment";
	default:
		return strerror(-err);
	}
}

static int attach_one(struct xf_cli *cli, struct xf_state *st, const char *name, __u32 ifindex,
		      enum xf_attach_mode mode)
{
	DECLARE_LIBBPF_OPTS(bpf_link_create_opts, lopts,
			    .flags = mode == XF_MODE_NATIVE ? XDP_FLAGS_DRV_MODE
							    : XDP_FLAGS_SKB_MODE);
	struct xf_iface rec = { .ifindex = ifindex, .mode = mode, .in_use = 1, .tc_attached = 1 };
	int xdp_fd = -1, tc_fd = -1, link_fd = -1, free_slot, err;
	char path[512];
	bool pinned = false;

	snprintf(rec.name, sizeof(rec.name), "%s", name);
	rec.netns_ino = current_netns_ino();
	rec.attached_at = time(NULL);

	if (iface_find(st, rec.netns_ino, ifindex, &free_slot) >= 0) {
		xf_fail(cli, "attach: %s: already attached (detach it first)", name);
		return -EEXIST;
	}
	if (free_slot < 0) {
		xf_fail(cli, "attach: %s: %d interfaces are attached already", name, XF_MAX_IFACES);
		return -ENOSPC;
	}

	xdp_fd = pinned_prog_fd(st, XF_PROG_XDP_PIN);
	tc_fd = pinned_prog_fd(st, XF_PROG_TC_PIN);
	if (xdp_fd < 0 || tc_fd < 0) {
		err = -errno;
		xf_fail(cli, "attach: pinned programs missing under %s: %s", st->pin_dir,
			strerror(-err));
		goto cleanup;
	}
	link_fd = bpf_link_create(xdp_fd, ifindex, BPF_XDP, &lopts);
	if (link_fd < 0) {
		err = -errno;
		xf_fail(cli, "attach: %s (%s mode): %s", name, xf_mode_name(mode),
			xdp_attach_error(err, mode));
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/%s", st->pin_dir, XF_LINKS_DIR);
	mkdir(path, 0700);
	err = link_pin_path(st, &rec, path, sizeof(path));
	if (!err && bpf_obj_pin(link_fd, path))
		err = -errno;
	if (err) {
		xf_fail(cli, "attach: %s: cannot pin the XDP link at %s: %s", name, path,
			strerror(-err));
		goto cleanup;
	}
	pinned = true;
	err = tc_attach(ifindex, tc_fd);
	if (err) {
		xf_fail(cli, "attach: %s: cannot attach the tc companion (clsact ingress): %s",
			name, strerror(-err));
		goto cleanup;
	}
	err = iface_write(st, free_slot, &rec);
	if (err) {
		tc_detach(ifindex);
		xf_fail(cli, "attach: %s: cannot record the attachment: %s", name, strerror(-err));
	}
cleanup:
	if (err && pinned)
		unlink(path);
	if (err && link_fd >= 0)
		bpf_link_detach(link_fd);
	if (link_fd >= 0)
		close(link_fd);
	if (xdp_fd >= 0)
		close(xdp_fd);
	if (tc_fd >= 0)
		close(tc_fd);
	return err;
}

/* Detach the XDP link (works from any netns) and, where the interface is
 * in our netns, the tc companion. Returns 0 or negative errno. */
static int detach_one(struct xf_state *st, __u32 slot, const struct xf_iface *rec)
{
	char path[512];
	int fd, err = 0;

	if (!link_pin_path(st, rec, path, sizeof(path))) {
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (bpf_link_detach(fd) && errno != ENOLINK)
				err = -errno;
			close(fd);
		}
		unlink(path);
	}
	if (rec->netns_ino == current_netns_ino()) {
		char name[IF_NAMESIZE];

		/* the ifindex may be gone or reused by now: check the name */
		if (if_indextoname(rec->ifindex, name) && !strcmp(name, rec->name))
			err = tc_detach(rec->ifindex) ?: err;
	} else {
		xf_warn("detach: %s is in another network namespace: its tc companion stays "
			"(inert without the XDP program) until the interface goes",
			rec->name);
	}
	if (!err) {
		struct xf_iface empty = {};

		err = iface_write(st, slot, &empty);
	}
	return err;
}

static void render_ifaces(struct json_object *result)
{
	struct json_object *list;
	size_t i;

	json_object_object_get_ex(result, "interfaces", &list);
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *o = json_object_array_get_idx(list, i);

		printf("%-10s %-16s %s mode\n", xf_json_str(o, "op"), xf_json_str(o, "interface"),
		       xf_json_str(o, "mode"));
	}
}

static struct json_object *iface_json(const char *op, const struct xf_iface *rec)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "interface", json_object_new_string(rec->name));
	json_object_object_add(o, "ifindex", json_object_new_int64(rec->ifindex));
	json_object_object_add(o, "mode", json_object_new_string(xf_mode_name(rec->mode)));
	return o;
}

int xf_cmd_attach(struct xf_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	enum xf_attach_mode mode = XF_MODE_NATIVE;
	struct json_object *result, *list;
	__u32 *ifindexes;
	struct xf_state st;
	int c, i, n, done = 0, err = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
		if (c == 'm' && !strcmp(optarg, "native"))
			mode = XF_MODE_NATIVE;
		else if (c == 'm' && !strcmp(optarg, "generic"))
			mode = XF_MODE_GENERIC;
		else if (c == 'm')
			return xf_usage_error(cli, "attach",
					      "attach: unknown mode '%s' (native, generic)", optarg);
		else
			return xf_usage_error(cli, "attach", "attach: unknown option '%s'",
					      argv[optind - 1]);
	}
	n = argc - optind;
	if (n < 1)
		return xf_usage_error(cli, "attach", "attach: no interface given");
	ifindexes = calloc(n, sizeof(*ifindexes));
	if (!ifindexes)
		return xf_fail(cli, "attach: out of memory");
	for (i = 0; i < n; i++) {
		ifindexes[i] = if_nametoindex(argv[optind + i]);
		if (!ifindexes[i]) {
			free(ifindexes);
			return xf_fail(cli, "attach: unknown interface '%s'", argv[optind + i]);
		}
	}
	if (xf_cli_open_state(cli, &st, true)) {
		free(ifindexes);
		return 1;
	}
	for (i = 0; i < n && !err; i++) {
		err = attach_one(cli, &st, argv[optind + i], ifindexes[i], mode);
		if (!err)
			done++;
	}
	if (err) {
		/* all or nothing: undo this command's earlier attachments */
		for (i = 0; i < done; i++) {
			int slot = iface_find(&st, current_netns_ino(), ifindexes[i], NULL);
			struct xf_iface rec;

			if (slot >= 0 && !iface_read(&st, slot, &rec))
				detach_one(&st, slot, &rec);
		}
		xf_state_close(&st);
		free(ifindexes);
		return 1;
	}
	result = json_object_new_object();
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct xf_iface rec = { .ifindex = ifindexes[i], .mode = mode };

		snprintf(rec.name, sizeof(rec.name), "%s", argv[optind + i]);
		json_object_array_add(list, iface_json("attached", &rec));
	}
	json_object_object_add(result, "interfaces", list);
	xf_state_close(&st);
	free(ifindexes);
	return xf_output(cli, result, render_ifaces);
}

int xf_cmd_detach(struct xf_cli *cli, int argc, char **argv)
{
	struct json_object *result, *list;
	int slots[XF_MAX_IFACES];
	struct xf_iface rec;
	bool all = false;
	struct xf_state st;
	__u64 netns = current_netns_ino();
	int i, n = 0, err = 0;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--all"))
			all = true;
		else if (argv[i][0] == '-')
			return xf_usage_error(cli, "detach", "detach: unknown option '%s'", argv[i]);
	if (!all && argc < 2)
		return xf_usage_error(cli, "detach", "detach: name interfaces or give --all");
	if (all && argc > 2)
		return xf_usage_error(cli, "detach", "detach: --all takes no interface names");
	if (xf_cli_open_state(cli, &st, true))
		return 1;

	/* resolve every name before detaching anything */
	if (all) {
		for (i = 0; i < XF_MAX_IFACES; i++)
			if (!iface_read(&st, i, &rec) && rec.in_use)
				slots[n++] = i;
	} else {
		for (i = 1; i < argc; i++) {
			__u32 ifindex = if_nametoindex(argv[i]);
			int slot = ifindex ? iface_find(&st, netns, ifindex, NULL) : -1;

			if (slot < 0) {
				xf_state_close(&st);
				return xf_fail(cli, "detach: %s: %s", argv[i],
					       ifindex ? "xdpfence is not attached there"
						       : "unknown interface");
			}
			slots[n++] = slot;
		}
	}
	result = json_object_new_object();
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		int e;

		if (iface_read(&st, slots[i], &rec))
			continue;
		e = detach_one(&st, slots[i], &rec);
		if (e) {
			xf_err("detach: %s: %s", rec.name, strerror(-e));
			err = e;
			continue;
		}
		json_object_array_add(list, iface_json("detached", &rec));
	}
	json_object_object_add(result, "interfaces", list);
	xf_state_close(&st);
	if (err) {
		json_object_put(result);
		return xf_fail(cli, "detach: some interfaces could not be detached");
	}
	return xf_output(cli, result, render_ifaces);
}

static void render_status(struct json_object *result)
{
	struct json_object *list, *cfg, *ranges;
	size_t i;

	printf("pin directory: %s\n", xf_json_str(result, "pin_dir"));
	json_object_object_get_ex(result, "interfaces", &list);
	printf("\n%-16s %-8s %-8s %-8s %-8s %s\n", "INTERFACE", "IFINDEX", "MODE", "LINK", "PROG",
	       "STATE");
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *o = json_object_array_get_idx(list, i);

		printf("%-16s %-8lld %-8s %-8lld %-8lld %s\n", xf_json_str(o, "interface"),
		       xf_json_int(o, "ifindex"), xf_json_str(o, "mode"), xf_json_int(o, "link_id"),
		       xf_json_int(o, "prog_id"), xf_json_str(o, "state"));
	}
	if (!json_object_array_length(list))
		printf("(not attached anywhere)\n");
	json_object_object_get_ex(result, "ranges", &ranges);
	printf("\nranges: %lld in use of %lld\n", xf_json_int(ranges, "in_use"),
	       xf_json_int(ranges, "capacity"));
	json_object_object_get_ex(result, "config", &cfg);
	printf("\nsettings:\n");
	json_object_object_foreach(cfg, key, val)
		printf("  %-16s %s\n", key, json_object_get_string(val));
}

int xf_cmd_status(struct xf_cli *cli, int argc, char **argv)
{
	struct json_object *result, *list, *ranges;
	__u64 netns = current_netns_ino();
	struct xf_config cfg = {};
	struct xf_service svc;
	size_t in_use = 0, services = 0;
	struct xf_state st;
	__u32 i;

	(void)argv;
	if (argc > 1)
		return xf_usage_error(cli, "status", "status: takes no arguments");
	if (xf_cli_open_state(cli, &st, false))
		return 1;
	result = json_object_new_object();
	json_object_object_add(result, "pin_dir", json_object_new_string(st.pin_dir));
	list = json_object_new_array();
	for (i = 0; i < XF_MAX_IFACES; i++) {
		struct bpf_link_info info = {};
		__u32 info_len = sizeof(info);
		struct xf_iface rec;
		struct json_object *o;
		const char *state = "active";
		char path[512];
		int fd;

		if (iface_read(&st, i, &rec) || !rec.in_use)
			continue;
		o = iface_json("attached", &rec);
		json_object_object_del(o, "op");
		fd = link_pin_path(&st, &rec, path, sizeof(path)) ? -1 : bpf_obj_get(path);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &info_len))
			state = "link missing";
		else if (!info.xdp.ifindex)
			state = "interface gone";
		json_object_object_add(o, "link_id", json_object_new_int64(fd < 0 ? 0 : info.id));
		json_object_object_add(o, "prog_id",
				       json_object_new_int64(fd < 0 ? 0 : info.prog_id));
		json_object_object_add(o, "netns", json_object_new_string(
							   rec.netns_ino == netns ? "current" : "other"));
		json_object_object_add(o, "attached_at", json_object_new_int64(rec.attached_at));
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_array_add(list, o);
		if (fd >= 0)
			close(fd);
	}
	json_object_object_add(result, "interfaces", list);

	for (i = 0; i < st.max_ids; i++)
		in_use += !!(st.ranges[i].flags & XF_RANGE_IN_USE);
	ranges = json_object_new_object();
	json_object_object_add(ranges, "in_use", json_object_new_uint64(in_use));
	json_object_object_add(ranges, "capacity", json_object_new_uint64(st.max_ranges));
	json_object_object_add(result, "ranges", ranges);

	for (i = 0; i < XF_MAX_SERVICES; i++)
		if (!bpf_map_lookup_elem(st.map_fd[XF_MAP_SERVICES], &i, &svc) && svc.in_use)
			services++;
	xf_config_read(&st, &cfg);
	json_object_object_add(result, "config", xf_config_json(&cfg, services));
	xf_state_close(&st);
	return xf_output(cli, result, render_status);
}

static void render_purge(struct json_object *result)
{
	struct json_object *v;

	json_object_object_get_ex(result, "purged", &v);
	puts(json_object_get_boolean(v) ? "purged: detached everywhere, state removed"
					: "nothing to purge");
}

int xf_cmd_purge(struct xf_cli *cli, int argc, char **argv)
{
	struct json_object *result;
	struct xf_iface rec;
	struct xf_state st;
	struct xf_state_opts opts = { .pin_dir = cli->pin_dir, .lock = true };
	int i, err;

	(void)argv;
	if (argc > 1)
		return xf_usage_error(cli, "purge", "purge: takes no arguments");
	err = xf_state_open(&st, &opts);
	result = json_object_new_object();
	if (err == -ENOENT) {
		/* a half-created directory still goes, and saved settings */
		xf_state_destroy(opts.pin_dir ? opts.pin_dir : xf_state_default_pin_dir());
		xf_persist_forget(cli, opts.pin_dir ? opts.pin_dir : xf_state_default_pin_dir());
		json_object_object_add(result, "purged", json_object_new_boolean(0));
		return xf_output(cli, result, render_purge);
	}
	if (err) {
		json_object_put(result);
		return xf_fail(cli, "purge: cannot open the state: %s", strerror(-err));
	}
	for (i = 0; i < XF_MAX_IFACES; i++)
		if (!iface_read(&st, i, &rec) && rec.in_use)
			detach_one(&st, i, &rec);
	err = xf_state_destroy(st.pin_dir);
	/* a purge is a reset: the saved settings of this state go too */
	xf_persist_forget(cli, st.pin_dir);
	xf_state_close(&st);
	if (err) {
		json_object_put(result);
		return xf_fail(cli, "purge: cannot remove %s: %s", st.pin_dir, strerror(-err));
	}
	json_object_object_add(result, "purged", json_object_new_boolean(1));
	return xf_output(cli, result, render_purge);
}
