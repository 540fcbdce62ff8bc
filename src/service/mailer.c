#include "service/mailer.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/sealed.h"
#include "service/worker.h"

struct mailer {
	struct app *app;
	struct worker worker;
};

int mailer_queue(struct db *db, struct app *app, const struct recipients *who, const char *subject, const char *body,
		 const char *object_type, const char *object_id)
{
	if (!app->smtp_url)
		return 0;
	struct db_stmt *st;
	int r = recipients_email_select(db, who, &st);
	if (r < 0)
		return r;
	/* Gather the addresses first: one statement at a time. */
	char *to[256];
	size_t nto = 0;
	while (nto < 256 && (r = db_step(st)) == DB_ROW) {
		int g = sealed_get(app, st, 1, "app_user", "email", db_column_int64(st, 0), &to[nto]);
		if (g < 0) {
			r = g;
			break;
		}
		if (to[nto])
			nto++;
	}
	db_finalize(st);
	char ts[32];
	time_format(now(), ts, sizeof ts);
	for (size_t i = 0; r >= 0 && i < nto; i++) {
		int64_t id;
		if ((r = db_int64f(db, &id,
				   "INSERT INTO outbox (subject, body, object_type, object_id, next_attempt_at,"
				   " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
				   "tttttt", subject, body, object_type, object_id, ts, ts)) >= 0)
			r = sealed_put(db, app, "outbox", "to_addr", id, to[i]);
	}
	for (size_t i = 0; i < nto; i++)
		free(to[i]);
	return r < 0 ? r : 0;
}

/* ---- sending ---- */

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t read_cb(char *out, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t room = size * nmemb, left = u->len - u->pos;
	size_t n = left < room ? left : room;
	memcpy(out, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* Headers and body of one message, lines ending CRLF. */
static int compose(struct buf *b, const char *from, const char *to, const char *subject, const char *body)
{
	char date[64], id[33];
	time_t t = (time_t)(now() / HL_USEC_PER_SEC);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	crypto_random_hex(16, id, sizeof id);
	int r = buf_printf(b,
			   "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@hartline>\r\n"
			   "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
			   date, from, to, subject, id);
	for (const char *p = body; r == 0 && *p; p++)
		r = *p == '\n' ? buf_puts(b, "\r\n") : buf_putc(b, *p);
	return r < 0 ? r : buf_puts(b, "\r\n");
}

static int send_one(const struct app *app, const char *to, const char *subject, const char *body, char *err,
		    size_t errsize)
{
	struct buf msg;
	buf_init(&msg, 1 << 20);
	if (compose(&msg, app->mail_from, to, subject, body) < 0) {
		buf_done(&msg);
		snprintf(err, errsize, "message too large");
		return ERR_TOOBIG;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		buf_done(&msg);
		snprintf(err, errsize, "cannot start libcurl");
		return ERR_NOMEM;
	}
	char from[300], rcpt_s[300];
	snprintf(from, sizeof from, "<%s>", app->mail_from);
	snprintf(rcpt_s, sizeof rcpt_s, "<%s>", to);
	struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_s);
	struct upload up = {msg.data, msg.len, 0};
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, app->smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	buf_done(&msg);
	if (rc != CURLE_OK) {
		snprintf(err, errsize, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
		return ERR_IO;
	}
	return 0;
}

/* Messages read and sent at a time. */
#define DUE_BATCH 20

struct due {
	int64_t id, attempts;
	char *to, *subject, *body;
};

/* How long a claimed message is left to its sender: far beyond one
 * attempt (curl gives up after 30 s), so that only a sender that stopped
 * mid-attempt leaves it, to be tried again by any server after this. */
#define CLAIM_MINUTES 10

/* Claim message id for this sender: of several servers (or senders) that
 * read it as due, only the one whose update still finds it due sends it;
 * the others' updates, after its, no longer do. */
static bool claim(struct db *db, int64_t id, const char *now_ts)
{
	char lease[32];
	int64_t n = 0;
	if (time_format(now() + (int64_t)CLAIM_MINUTES * 60 * HL_USEC_PER_SEC, lease, sizeof lease) < 0 ||
	    db_execnf(db, &n,
		      "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?"
		      " RETURNING id",
		      "tit", lease, id, now_ts) < 0)
		return false;
	return n == 1;
}

/* Send what is due; returns how many were tried. */
static int deliver_due(struct app *app)
{
	struct db *db;
	if (app_db(app, &db) < 0)
		return 0;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	struct db_stmt *st;
	if (db_preparef(db, &st,
			"SELECT id, to_addr, subject, body, attempts FROM outbox WHERE status = 'pending'"
			" AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
			"td", ts, DUE_BATCH) < 0)
		return 0;
	struct due due[DUE_BATCH];
	int n = 0;
	while (n < DUE_BATCH && db_step(st) == DB_ROW) {
		struct due *d = &due[n];
		d->id = db_column_int64(st, 0);
		d->attempts = db_column_int64(st, 4);
		/* An address that cannot be unsealed stays NULL: the message is
		 * marked unreadable below rather than left to block the queue. */
		if (sealed_get(app, st, 1, "outbox", "to_addr", d->id, &d->to) < 0)
			d->to = NULL;
		d->subject = strdup(db_column_text(st, 2));
		d->body = strdup(db_column_text(st, 3));
		n++;
	}
	db_finalize(st);
	for (int i = 0; i < n; i++) {
		struct due *d = &due[i];
		if (!claim(db, d->id, ts)) {
			free(d->to);
			free(d->subject);
			free(d->body);
			continue;
		}
		char err[256] = "";
		int r = d->to && d->subject && d->body ? send_one(app, d->to, d->subject, d->body, err, sizeof err)
						       : (snprintf(err, sizeof err, "unreadable message"), ERR_INVAL);
		int64_t attempts = d->attempts + 1;
		char done_at[32], next[32];
		time_format(now(), done_at, sizeof done_at);
		/* 1, 2, 4, ... minutes, at most an hour, then given up. */
		int64_t delay = (int64_t)1 << (attempts - 1 < 6 ? attempts - 1 : 6);
		time_format(now() + delay * 60 * HL_USEC_PER_SEC, next, sizeof next);
		const char *status = r == 0 ? "sent" : attempts >= MAILER_MAX_ATTEMPTS ? "failed" : "pending";
		/* A failed update leaves the message pending: it is tried again,
		 * which is what the queue promises after a crash too. */
		int u = db_execf(db,
				 "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?,"
				 " sent_at = ? WHERE id = ?",
				 "tittti", status, attempts, r == 0 ? NULL : err, next,
				 r == 0 ? done_at : NULL, d->id);
		if (u < 0)
			log_warn("mail", "outbox=%lld cannot record the attempt: %s", (long long)d->id, err_str(u));
		if (r == 0)
			log_info("mail", "outbox=%lld status=sent attempts=%lld", (long long)d->id, (long long)attempts);
		else
			log_warn("mail", "outbox=%lld status=%s attempts=%lld error=\"%s\"", (long long)d->id, status,
				 (long long)attempts, err);
		free(d->to);
		free(d->subject);
		free(d->body);
	}
	return n;
}

/* The worker's job: a full batch means more may be due at once. */
static bool send_due(void *arg)
{
	struct mailer *m = arg;
	return deliver_due(m->app) == DUE_BATCH;
}

int mailer_start(struct app *app, struct mailer **ret)
{
	*ret = NULL;
	if (!app->smtp_url)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ERR_IO;
	struct mailer *m = calloc(1, sizeof *m);
	if (!m)
		return ERR_NOMEM;
	m->app = app;
	/* Every second: a message queued by a use case goes at once (the
	 * kick), a retry when its time comes. */
	int r = worker_start(&m->worker, send_due, m, 1);
	if (r < 0) {
		free(m);
		return r;
	}
	*ret = m;
	app->mailer = m;
	return 0;
}

void mailer_kick(struct app *app)
{
	if (app->mailer)
		worker_kick(&app->mailer->worker);
}

void mailer_stop(struct mailer *m)
{
	if (!m)
		return;
	worker_stop(&m->worker);
	m->app->mailer = NULL;
	free(m);
	curl_global_cleanup();
}

/* One outbox row as the list shows it; the address is unsealed. */
static int outbox_json(struct app *app, struct db_stmt *st, json_t *list)
{
	char *to = NULL;
	json_t *m = json_pack("{s:I}", "id", (json_int_t)db_column_int64(st, 0));
	int r = m ? sealed_get(app, st, 1, "outbox", "to_addr", db_column_int64(st, 0), &to) : ERR_NOMEM;
	if (r >= 0 && json_object_set_new(m, "to", to ? json_string(to) : json_null()) < 0)
		r = ERR_NOMEM;
	if (r >= 0)
		r = db_row_json(st, "- - subject object_type object_id status attempts:i last_error created_at sent_at"
				    " next_attempt_at",
				m);
	free(to);
	if (r >= 0 && json_array_append_new(list, m) < 0)
		return ERR_NOMEM; /* json_array_append_new has freed m */
	if (r < 0)
		json_decref(m);
	return r;
}

static const struct page_sort outbox_sorts[] = {
	{"id", "id"},
	{"created_at", "created_at"},
	{NULL, NULL},
};
static const struct page_list outbox_page_list = {"outbox", "id", outbox_sorts, "-id"};

/* The page's messages: the sort key, then the columns outbox_json reads
 * (from column 1). */
static int outbox_rows(struct app *app, struct db *db, struct list_page *p, json_t *list)
{
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, "SELECT id, to_addr, subject, object_type, object_id, status, attempts, last_error,"
		    " created_at, sent_at, next_attempt_at, ", "");
	page_sql_key(s, p);
	sqlb_add(s, " FROM outbox WHERE 1 = 1", "");
	page_sql_after(s, p);
	page_sql_order(s, p);
	struct db_stmt *st;
	int r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && page_row_at(p, st, 11, 0) && (r = outbox_json(app, st, list)) >= 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_outbox_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_OUTBOX_READ, &db);
	if (r < 0 || (r = page_parse(&outbox_page_list, q, &p, errs)) < 0)
		return r;
	int64_t failed = 0, pending = 0;
	json_t *list = json_array(), *out = NULL;
	r = list ? outbox_rows(ctx->app, db, &p, list) : ERR_NOMEM;
	/* The counts are of the whole outbox, not of the page. */
	if (r == 0)
		r = db_int64f(db, &failed, "SELECT count(*) FROM outbox WHERE status = 'failed'", "");
	if (r == 0)
		r = db_int64f(db, &pending, "SELECT count(*) FROM outbox WHERE status = 'pending'", "");
	if (r < 0) {
		json_decref(list);
		return r;
	}
	if ((r = page_answer(&p, list, &out)) < 0)
		return r;
	if (json_object_set_new(out, "failed", json_integer(failed)) < 0 ||
	    json_object_set_new(out, "pending", json_integer(pending)) < 0 ||
	    json_object_set_new(out, "smtp_configured", json_boolean(ctx->app->smtp_url != NULL)) < 0) {
		json_decref(out);
		return ERR_NOMEM;
	}
	*ret = out;
	return 0;
}
