// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "names.h"
#include "registry.h"

const char *xf_registry_default_dir(void)
{
	const char *env = getenv("XDPFENCE_STATE_DIR");

	return env && *env ? env : XF_DEFAULT_STATE_DIR;
}

bool xf_feed_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= XF_FEED_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = name[i];

		if (!(islower(c) || isdigit(c) || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return strcmp(name, "manual") != 0;
}

void xf_feed_def_init(struct xf_feed_def *def)
{
	memset(def, 0, sizeof(*def));
	def->format = XF_FORMAT_LIST;
	def->action = XF_ACTION_DROP;
	def->max_shrink = XF_DEFAULT_MAX_SHRINK;
	def->retries = XF_FEED_DEFAULT_RETRIES;
	xf_rails_init(&def->rails);
}

void xf_feed_def_free(struct xf_feed_def *def)
{
	size_t i;

	free(def->source);
	for (i = 0; i < def->nselect; i++)
		free(def->select[i]);
	free(def->column);
	free(def->where_column);
	free(def->where_value);
	free(def->asns);
	free(def->category);
	free(def->ca_file);
	free(def->etag);
	free(def->last_modified);
	free(def->status.last_error);
	memset(def, 0, sizeof(*def));
}

void xf_feed_status_set_error(struct xf_feed_status *s, const char *msg)
{
	free(s->last_error);
	s->last_error = msg ? strdup(msg) : NULL;
}

static const char *const stale_policy_names[] = {
	[XF_STALE_ENFORCE] = "enforce",
	[XF_STALE_WITHDRAW] = "withdraw",
};

static const char *const sync_result_names[XF_RESULT_MAX] = {
	[XF_RESULT_NONE] = "none",
	[XF_RESULT_APPLIED] = "applied",
	[XF_RESULT_NOT_MODIFIED] = "not-modified",
	[XF_RESULT_FAILED] = "failed",
	[XF_RESULT_REFUSED] = "refused",
	[XF_RESULT_LAST_GOOD] = "last-good",
	[XF_RESULT_WITHDRAWN] = "withdrawn",
};

const char *xf_stale_policy_name(enum xf_stale_policy p)
{
	return (unsigned int)p < 2 ? stale_policy_names[p] : "unknown";
}

int xf_stale_policy_parse(const char *s, enum xf_stale_policy *out)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (!strcmp(s, stale_policy_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xf_sync_result_name(enum xf_sync_result r)
{
	return (unsigned int)r < XF_RESULT_MAX ? sync_result_names[r] : "unknown";
}

static enum xf_sync_result sync_result_parse(const char *s)
{
	unsigned int i;

	for (i = 0; s && i < XF_RESULT_MAX; i++)
		if (!strcmp(s, sync_result_names[i]))
			return i;
	return XF_RESULT_NONE;
}

long long xf_feed_age(const struct xf_feed_def *def, long long now)
{
	if (!def->status.last_success)
		return -1;
	/* a clock stepped back makes a feed younger, never negative */
	return now > def->status.last_success ? now - def->status.last_success : 0;
}

bool xf_feed_is_stale(const struct xf_feed_def *def, long long now)
{
	long long age = xf_feed_age(def, now);

	return def->max_age > 0 && (age < 0 || age > def->max_age);
}

/* A validator goes back to the server in a request header: printable
 * ASCII of a sane length, or it is not kept at all. */
static char *validator_dup(const char *v)
{
	size_t i, n;

	if (!v || !*v)
		return NULL;
	n = strlen(v);
	if (n > XF_FEED_VALIDATOR_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return NULL;
	return strdup(v);
}

void xf_feed_def_set_validators(struct xf_feed_def *def, const char *etag,
				const char *last_modified)
{
	free(def->etag);
	free(def->last_modified);
	def->etag = validator_dup(etag);
	def->last_modified = validator_dup(last_modified);
	if (def->etag || def->last_modified)
		xf_feed_def_fingerprint(def, def->validated_def);
	else
		def->validated_def[0] = '\0';
}

static bool validators_current(const struct xf_feed_def *def)
{
	char now[XF_FEED_HASH_LEN + 1];

	if (!def->validated_def[0])
		return false;
	xf_feed_def_fingerprint(def, now);
	return !strcmp(now, def->validated_def);
}

const char *xf_feed_def_etag(const struct xf_feed_def *def)
{
	return def->etag && validators_current(def) ? def->etag : NULL;
}

const char *xf_feed_def_last_modified(const struct xf_feed_def *def)
{
	return def->last_modified && validators_current(def) ? def->last_modified : NULL;
}

void xf_feed_def_options(const struct xf_feed_def *def, struct xf_feed_options *o)
{
	size_t i;

	xf_feed_options_init(o, def->format);
	o->name = def->name;
	for (i = 0; i < def->nselect; i++)
		o->select[i] = def->select[i];
	o->nselect = def->nselect;
	o->column = def->column;
	o->where_column = def->where_column;
	o->where_value = def->where_value;
	o->min_score = def->min_score;
	o->has_min_score = def->has_min_score;
	o->asns = def->asns;
	o->nasns = def->nasns;
}

/* ---- JSON form ---- */

static void add_str(struct json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

struct json_object *xf_feed_def_json(const struct xf_feed_def *def)
{
	struct json_object *o = json_object_new_object(), *opts, *rails, *st, *arr;
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(def->name));
	json_object_object_add(o, "id", json_object_new_int(def->id));
	add_str(o, "source", def->source);
	json_object_object_add(o, "format", json_object_new_string(xf_feed_format_name(def->format)));
	json_object_object_add(o, "action", json_object_new_string(xf_action_name(def->action)));
	if (def->action == XF_ACTION_TAG)
		json_object_object_add(o, "tag", json_object_new_int64(def->tag));
	add_str(o, "category", def->category);
	if (def->timeout)
		json_object_object_add(o, "timeout", json_object_new_int64(def->timeout));
	if (def->connect_timeout)
		json_object_object_add(o, "connect_timeout",
				       json_object_new_int64(def->connect_timeout));
	if (def->max_size)
		json_object_object_add(o, "max_size", json_object_new_uint64(def->max_size));
	json_object_object_add(o, "retries", json_object_new_int(def->retries));
	add_str(o, "ca_file", def->ca_file);
	json_object_object_add(o, "interval", json_object_new_int64(def->interval));
	json_object_object_add(o, "max_age", json_object_new_int64(def->max_age));
	json_object_object_add(o, "stale_policy",
			       json_object_new_string(xf_stale_policy_name(def->stale_policy)));
	add_str(o, "etag", def->etag);
	add_str(o, "last_modified", def->last_modified);
	if (def->validated_def[0])
		json_object_object_add(o, "validated_def",
				       json_object_new_string(def->validated_def));

	opts = json_object_new_object();
	if (def->nselect) {
		arr = json_object_new_array();
		for (i = 0; i < def->nselect; i++)
			json_object_array_add(arr, json_object_new_string(def->select[i]));
		json_object_object_add(opts, "select", arr);
	}
	add_str(opts, "column", def->column);
	add_str(opts, "where_column", def->where_column);
	add_str(opts, "where_value", def->where_value);
	if (def->has_min_score)
		json_object_object_add(opts, "min_score", json_object_new_int64(def->min_score));
	if (def->nasns) {
		arr = json_object_new_array();
		for (i = 0; i < def->nasns; i++)
			json_object_array_add(arr, json_object_new_int64(def->asns[i]));
		json_object_object_add(opts, "asn", arr);
	}
	json_object_object_add(o, "options", opts);

	rails = json_object_new_object();
	json_object_object_add(rails, "min_prefix4", json_object_new_int(def->rails.min_prefix4));
	json_object_object_add(rails, "min_prefix6", json_object_new_int(def->rails.min_prefix6));
	json_object_object_add(rails, "allow_special",
			       json_object_new_boolean(def->rails.allow_special));
	json_object_object_add(rails, "max_shrink", json_object_new_int(def->max_shrink));
	json_object_object_add(rails, "allow_shrink", json_object_new_boolean(def->allow_shrink));
	json_object_object_add(o, "rails", rails);

	st = json_object_new_object();
	json_object_object_add(st, "entries", json_object_new_uint64(def->status.entries));
	json_object_object_add(st, "v4", json_object_new_uint64(def->status.v4));
	json_object_object_add(st, "v6", json_object_new_uint64(def->status.v6));
	json_object_object_add(st, "last_attempt", json_object_new_int64(def->status.last_attempt));
	json_object_object_add(st, "last_success", json_object_new_int64(def->status.last_success));
	json_object_object_add(st, "last_error",
			       def->status.last_error ? json_object_new_string(def->status.last_error)
						      : NULL);
	json_object_object_add(st, "content_hash", def->status.content_hash[0]
							   ? json_object_new_string(def->status.content_hash)
							   : NULL);
	json_object_object_add(st, "last_result",
			       json_object_new_string(xf_sync_result_name(def->status.last_result)));
	json_object_object_add(st, "sync_duration",
			       json_object_new_double(def->status.sync_duration));
	json_object_object_add(o, "status", st);
	return o;
}

/* Keys of the definition that change neither the bytes fetched nor how
 * they become ranges; everything else (now and in future) is in the
 * fingerprint, so a new option errs on the side of a full download. */
static const char *const fingerprint_ignores[] = {
	"id",	   "category", "timeout",      "connect_timeout", "max_size",
	"retries", "ca_file",  "interval",     "max_age",	  "stale_policy",
	"etag",	   "last_modified", "validated_def", "status",
};

void xf_feed_def_fingerprint(const struct xf_feed_def *def, char out[XF_FEED_HASH_LEN + 1])
{
	struct json_object *o = xf_feed_def_json(def);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const char *text;

	for (i = 0; i < sizeof(fingerprint_ignores) / sizeof(fingerprint_ignores[0]); i++)
		json_object_object_del(o, fingerprint_ignores[i]);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	out[0] = '\0';
	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL))
		for (i = 0; i < mdlen && i * 2 < XF_FEED_HASH_LEN; i++)
			sprintf(out + i * 2, "%02x", md[i]);
	json_object_put(o);
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool get_int(struct json_object *o, const char *key, long long *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool get_double(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

static bool get_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int feed_from_json(struct json_object *o, struct xf_feed_def *d, char *err, size_t errlen)
{
	struct json_object *opts, *rails, *st, *arr;
	const char *s;
	long long v;
	size_t i;

	xf_feed_def_init(d);
	s = get_str(o, "name");
	if (!s || !xf_feed_name_valid(s)) {
		snprintf(err, errlen, "a feed without a valid name");
		return -EINVAL;
	}
	snprintf(d->name, sizeof(d->name), "%s", s);
	if (!get_int(o, "id", &v) || v < 1 || v >= XF_MAX_FEEDS) {
		snprintf(err, errlen, "feed '%s': bad id", d->name);
		return -EINVAL;
	}
	d->id = v;
	d->source = dup_or_null(get_str(o, "source"));
	if (!get_str(o, "format") || xf_feed_format_parse(get_str(o, "format"), &d->format) ||
	    !get_str(o, "action") || xf_action_parse(get_str(o, "action"), &d->action)) {
		snprintf(err, errlen, "feed '%s': bad format or action", d->name);
		return -EINVAL;
	}
	if (get_int(o, "tag", &v))
		d->tag = v;
	d->category = dup_or_null(get_str(o, "category"));
	if (get_int(o, "timeout", &v) && v > 0)
		d->timeout = v;
	/* fields of later versions: a registry without them gets the defaults */
	if (get_int(o, "connect_timeout", &v) && v > 0)
		d->connect_timeout = v;
	if (get_int(o, "max_size", &v) && v > 0)
		d->max_size = v;
	if (get_int(o, "retries", &v) && v >= 0 && v <= XF_FEED_MAX_RETRIES)
		d->retries = v;
	d->ca_file = dup_or_null(get_str(o, "ca_file"));
	if (get_int(o, "interval", &v) && v > 0)
		d->interval = v;
	if (get_int(o, "max_age", &v) && v > 0)
		d->max_age = v;
	if (get_str(o, "stale_policy") &&
	    xf_stale_policy_parse(get_str(o, "stale_policy"), &d->stale_policy)) {
		snprintf(err, errlen, "feed '%s': bad stale_policy '%s'", d->name,
			 get_str(o, "stale_policy"));
		return -EINVAL;
	}
	d->etag = validator_dup(get_str(o, "etag"));
	d->last_modified = validator_dup(get_str(o, "last_modified"));
	if ((s = get_str(o, "validated_def")))
		snprintf(d->validated_def, sizeof(d->validated_def), "%s", s);

	if (json_object_object_get_ex(o, "options", &opts)) {
		if (json_object_object_get_ex(opts, "select", &arr)) {
			for (i = 0; i < json_object_array_length(arr) && i < XF_FEED_MAX_SELECT; i++)
				d->select[d->nselect++] = dup_or_null(
					json_object_get_string(json_object_array_get_idx(arr, i)));
		}
		d->column = dup_or_null(get_str(opts, "column"));
		d->where_column = dup_or_null(get_str(opts, "where_column"));
		d->where_value = dup_or_null(get_str(opts, "where_value"));
		if (get_int(opts, "min_score", &v)) {
			d->min_score = v;
			d->has_min_score = true;
		}
		if (json_object_object_get_ex(opts, "asn", &arr) &&
		    json_object_array_length(arr) > 0) {
			d->nasns = json_object_array_length(arr);
			d->asns = calloc(d->nasns, sizeof(*d->asns));
			if (!d->asns)
				return -ENOMEM;
			for (i = 0; i < d->nasns; i++)
				d->asns[i] = json_object_get_int64(json_object_array_get_idx(arr, i));
		}
	}
	if (json_object_object_get_ex(o, "rails", &rails)) {
		if (get_int(rails, "min_prefix4", &v))
			d->rails.min_prefix4 = v;
		if (get_int(rails, "min_prefix6", &v))
			d->rails.min_prefix6 = v;
		d->rails.allow_special = get_bool(rails, "allow_special");
		if (get_int(rails, "max_shrink", &v))
			d->max_shrink = v;
		d->allow_shrink = get_bool(rails, "allow_shrink");
	}
	if (json_object_object_get_ex(o, "status", &st)) {
		if (get_int(st, "entries", &v))
			d->status.entries = v;
		if (get_int(st, "v4", &v))
			d->status.v4 = v;
		if (get_int(st, "v6", &v))
			d->status.v6 = v;
		if (get_int(st, "last_attempt", &v))
			d->status.last_attempt = v;
		if (get_int(st, "last_success", &v))
			d->status.last_success = v;
		d->status.last_error = dup_or_null(get_str(st, "last_error"));
		if ((s = get_str(st, "content_hash")))
			snprintf(d->status.content_hash, sizeof(d->status.content_hash), "%s", s);
		d->status.last_result = sync_result_parse(get_str(st, "last_result"));
		get_double(st, "sync_duration", &d->status.sync_duration);
	}
	return 0;
}

/* ---- file ---- */

static int registry_path(const struct xf_registry *reg, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", reg->dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xf_registry_open(struct xf_registry *reg, const char *dir, bool lock)
{
	struct json_object *root = NULL, *feeds;
	char path[512], err[256];
	size_t i;
	int ret = 0;

	memset(reg, 0, sizeof(*reg));
	reg->lock_fd = -1;
	if (!dir)
		dir = xf_registry_default_dir();
	if (snprintf(reg->dir, sizeof(reg->dir), "%s", dir) >= (int)sizeof(reg->dir))
		return -ENAMETOOLONG;
	if (lock) {
		if (mkdir(dir, 0755) && errno != EEXIST) {
			ret = -errno;
			xf_err("state directory %s: %s", dir, strerror(errno));
			return ret;
		}
		if ((ret = registry_path(reg, "lock", path, sizeof(path))))
			return ret;
		reg->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (reg->lock_fd < 0 || flock(reg->lock_fd, LOCK_EX)) {
			ret = -errno;
			xf_err("cannot lock %s: %s", path, strerror(errno));
			goto fail;
		}
	}
	if ((ret = registry_path(reg, XF_REGISTRY_FILE, path, sizeof(path))))
		goto fail;
	if (access(path, F_OK))
		return 0; /* no registry yet: no feeds */
	root = json_object_from_file(path);
	if (!root || !json_object_object_get_ex(root, "feeds", &feeds) ||
	    !json_object_is_type(feeds, json_type_array)) {
		xf_err("registry %s is not a valid xdpfence registry (%s)", path,
		       root ? "no feeds array" : json_util_get_last_err());
		ret = -EINVAL;
		goto fail;
	}
	reg->feeds = calloc(json_object_array_length(feeds) + 1, sizeof(*reg->feeds));
	if (!reg->feeds) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < json_object_array_length(feeds); i++) {
		ret = feed_from_json(json_object_array_get_idx(feeds, i), &reg->feeds[reg->n], err,
				     sizeof(err));
		if (ret) {
			xf_err("registry %s: feed %zu: %s", path, i + 1, err);
			xf_feed_def_free(&reg->feeds[reg->n]);
			goto fail;
		}
		reg->n++;
	}
	json_object_put(root);
	return 0;
fail:
	json_object_put(root);
	xf_registry_close(reg);
	return ret;
}

int xf_registry_save(const struct xf_registry *reg)
{
	struct json_object *root = json_object_new_object(), *feeds = json_object_new_array();
	char path[512], tmp[520];
	const char *text;
	size_t i, len;
	int fd, ret = 0;

	json_object_object_add(root, "version", json_object_new_int(XF_REGISTRY_VERSION));
	for (i = 0; i < reg->n; i++)
		json_object_array_add(feeds, xf_feed_def_json(&reg->feeds[i]));
	json_object_object_add(root, "feeds", feeds);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);

	if ((ret = registry_path(reg, XF_REGISTRY_FILE, path, sizeof(path))))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto report;
	}
	/* the new file is complete on disk before it replaces the old one */
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd)) {
		ret = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		goto report;
	}
	close(fd);
	if (rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
	}
report:
	if (ret)
		xf_err("cannot write the registry %s: %s", path, strerror(-ret));
out:
	json_object_put(root);
	return ret;
}

void xf_registry_close(struct xf_registry *reg)
{
	size_t i;

	for (i = 0; i < reg->n; i++)
		xf_feed_def_free(&reg->feeds[i]);
	free(reg->feeds);
	reg->feeds = NULL;
	reg->n = 0;
	if (reg->lock_fd >= 0)
		close(reg->lock_fd);
	reg->lock_fd = -1;
}

struct xf_feed_def *xf_registry_find(struct xf_registry *reg, const char *name)
{
	size_t i;

	for (i = 0; i < reg->n; i++)
		if (!strcmp(reg->feeds[i].name, name))
			return &reg->feeds[i];
	return NULL;
}

int xf_registry_add(struct xf_registry *reg, struct xf_feed_def *def)
{
	bool used[XF_MAX_FEEDS] = { [XF_FEED_MANUAL] = true };
	struct xf_feed_def *grown;
	size_t i;
	int id;

	if (xf_registry_find(reg, def->name))
		return -EEXIST;
	for (i = 0; i < reg->n; i++)
		used[reg->feeds[i].id] = true;
	for (id = 1; id < XF_MAX_FEEDS && used[id]; id++)
		;
	if (id == XF_MAX_FEEDS)
		return -ENOSPC;
	grown = realloc(reg->feeds, (reg->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	reg->feeds = grown;
	def->id = id;
	reg->feeds[reg->n++] = *def;
	memset(def, 0, sizeof(*def));
	return 0;
}

int xf_registry_remove(struct xf_registry *reg, const char *name)
{
	struct xf_feed_def *d = xf_registry_find(reg, name);
	size_t i;

	if (!d)
		return -ENOENT;
	i = d - reg->feeds;
	xf_feed_def_free(d);
	memmove(&reg->feeds[i], &reg->feeds[i + 1], (reg->n - i - 1) * sizeof(*d));
	reg->n--;
	return 0;
}
