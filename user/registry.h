/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The feed registry: what feeds exist, where they come from, how they are
 * parsed and applied, and how their last sync went. It lives in a state
 * directory on disk (default /var/lib/xdpfence, feeds.json), so it
 * survives restarts of the process and of the machine; the pinned BPF
 * state only holds what is applied now. Writes are atomic (a new file
 * renamed over the old one); a lock file serialises writers. */
#ifndef XF_REGISTRY_H
#define XF_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "feed_parse.h"
#include "feed_rails.h"
#include "xdpfence_abi.h"

#define XF_DEFAULT_STATE_DIR "/var/lib/xdpfence"
#define XF_REGISTRY_FILE "feeds.json"
#define XF_REGISTRY_VERSION 1
#define XF_DEFAULT_MAX_SHRINK 50 /* percent */
#define XF_FEED_HASH_LEN 64	 /* sha256, hex */

struct xf_feed_status {
	size_t entries; /* accepted prefixes now applied */
	size_t v4, v6;
	long long last_attempt; /* unix seconds, 0 = never */
	long long last_success;
	char *last_error; /* NULL when the last attempt succeeded */
	char content_hash[XF_FEED_HASH_LEN + 1];
};

struct xf_feed_def {
	char name[XF_FEED_NAME_MAX];
	__u8 id; /* 1..XF_MAX_FEEDS-1; 0 is the manual feed */
	char *source;
	enum xf_feed_format format;
	char *select[XF_FEED_MAX_SELECT];
	size_t nselect;
	char *column;
	char *where_column, *where_value;
	long min_score;
	bool has_min_score;
	__u32 *asns;
	size_t nasns;
	__u8 action; /* enum xf_action: drop, tag or count */
	__u32 tag;
	char *category;
	struct xf_rails rails;
	unsigned int max_shrink; /* percent of entries a sync may lose */
	bool allow_shrink;	 /* never refuse a shrinking update */
	long timeout;		 /* fetch timeout in seconds, 0: the default */
	struct xf_feed_status status;
};

struct xf_registry {
	char dir[256];
	int lock_fd;
	struct xf_feed_def *feeds;
	size_t n;
};

const char *xf_registry_default_dir(void);
/* Read the registry (a missing file is an empty registry); lock: hold the
 * exclusive lock until close. Creates the directory when lock is set. */
int xf_registry_open(struct xf_registry *reg, const char *dir, bool lock);
int xf_registry_save(const struct xf_registry *reg);
void xf_registry_close(struct xf_registry *reg);

struct xf_feed_def *xf_registry_find(struct xf_registry *reg, const char *name);
/* Takes ownership of def's allocations; assigns the feed id. */
int xf_registry_add(struct xf_registry *reg, struct xf_feed_def *def);
int xf_registry_remove(struct xf_registry *reg, const char *name);

void xf_feed_def_init(struct xf_feed_def *def);
void xf_feed_def_free(struct xf_feed_def *def);
/* Parser options pointing into def (valid while def lives). */
void xf_feed_def_options(const struct xf_feed_def *def, struct xf_feed_options *o);
struct json_object *xf_feed_def_json(const struct xf_feed_def *def);
/* A feed name: 1-31 characters of [a-z0-9_.-], starting with a letter or digit. */
bool xf_feed_name_valid(const char *name);

void xf_feed_status_set_error(struct xf_feed_status *s, const char *msg);

#endif /* XF_REGISTRY_H */
