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
#define XF_FEED_DEFAULT_RETRIES 2 /* further attempts after a transient failure */
#define XF_FEED_MAX_RETRIES 10
#define XF_FEED_VALIDATOR_MAX 512 /* longest ETag / Last-Modified kept */

/* What becomes of a feed past its max_age: its ranges stay in force
 * (enforce, the default: a source that is down is no reason to open the
 * door) or are withdrawn until a sync succeeds again. */
enum xf_stale_policy {
	XF_STALE_ENFORCE,
	XF_STALE_WITHDRAW,
};

/* How the last sync of a feed ended. */
enum xf_sync_result {
	XF_RESULT_NONE,		/* never synced */
	XF_RESULT_APPLIED,	/* a new version from the source is in force */
	XF_RESULT_NOT_MODIFIED, /* the source said the version in force is current */
	XF_RESULT_FAILED,	/* fetch or parse error: the previous version stays */
	XF_RESULT_REFUSED,	/* a rail refused it: the previous version stays */
	XF_RESULT_LAST_GOOD,	/* failed, and the saved last good version was applied */
	XF_RESULT_WITHDRAWN,	/* failed while stale under XF_STALE_WITHDRAW */
	XF_RESULT_MAX,
};

struct xf_feed_status {
	size_t entries; /* accepted prefixes now applied */
	size_t v4, v6;
	long long last_attempt; /* unix seconds, 0 = never */
	long long last_success;
	char *last_error; /* NULL when the last attempt succeeded */
	char content_hash[XF_FEED_HASH_LEN + 1];
	enum xf_sync_result last_result;
	double sync_duration; /* seconds the last sync of this feed took */
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
	long connect_timeout;	 /* seconds, 0: the default */
	size_t max_size;	 /* bytes a download may have, 0: the default */
	unsigned int retries;	 /* further attempts after a transient failure */
	char *ca_file;		 /* https: trust this CA bundle (private origins) */
	long long interval;	 /* seconds between refreshes (daemon), 0: manual */
	long long max_age;	 /* seconds after the last success: stale; 0: never */
	enum xf_stale_policy stale_policy;
	/* The HTTP validators of the version in force, stored only once it
	 * parsed, passed the rails and was applied; sent as If-None-Match and
	 * If-Modified-Since, and only while the definition is the one they were
	 * stored with (validated_def: xf_feed_def_fingerprint), since a 304 says
	 * nothing about how the same bytes parse under other options. */
	char *etag;
	char *last_modified;
	char validated_def[XF_FEED_HASH_LEN + 1];
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

/* sha256 (hex) of what decides how a feed's bytes become ranges: source,
 * format, parser options, action, tag and rails. */
void xf_feed_def_fingerprint(const struct xf_feed_def *def, char out[XF_FEED_HASH_LEN + 1]);
/* Keep the validators of a version just applied (NULL: none), tied to the
 * definition in force; or forget them (both NULL). */
void xf_feed_def_set_validators(struct xf_feed_def *def, const char *etag,
				const char *last_modified);
/* The validators to send for a sync of def, NULL when there are none or
 * they were stored under another definition. */
const char *xf_feed_def_etag(const struct xf_feed_def *def);
const char *xf_feed_def_last_modified(const struct xf_feed_def *def);

/* Seconds since the feed's last successful sync (a "not modified" answer
 * counts: it confirms the version in force), -1 when it never succeeded. */
long long xf_feed_age(const struct xf_feed_def *def, long long now);
/* A feed with a max_age is stale past it, or when it never succeeded. */
bool xf_feed_is_stale(const struct xf_feed_def *def, long long now);

const char *xf_stale_policy_name(enum xf_stale_policy p);
int xf_stale_policy_parse(const char *s, enum xf_stale_policy *out);
const char *xf_sync_result_name(enum xf_sync_result r);

#endif /* XF_REGISTRY_H */
