#include "service/intake/intake_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "match/cmp.h"
#include "model/routing.h"
#include "model/screening.h"
#include "service/audit.h"
#include "service/casejoin.h"
#include "service/figures.h"
#include "service/mailer.h"
#include "service/numbers.h"
#include "service/persons.h"
#include "service/sealed.h"


/* ---- screening ---- */

int svc_intake_screen(const struct svc_ctx *ctx, int64_t id, const char *instrument, const json_t *answers,
		      struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct intake_head h;
	int r = intake_open(ctx, PERM_INTAKE_WRITE, id, &db, &h);
	if (r < 0)
		return r;
	const struct pack *p = ctx->app->pack;
	const struct pack_instrument *ins = instrument ? pack_instrument(p, instrument) : pack_default_instrument(p);
	if (!ins) {
		field_error_add(errs, "instrument", "unknown instrument \"%.40s\"", instrument ? instrument : "");
		return ERR_INVAL;
	}
	enum screen_level level;
	int count = 0;
	if ((r = screening_score(ins, answers, errs, &level, &count)) < 0)
		return r;
	char *stored = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
	char ts[32], oid[24], detail[96];
	time_format(now(), ts, sizeof ts);
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	snprintf(detail, sizeof detail, "instrument=%s version=%s level=%s", ins->id, ins->version,
		 screen_level_name(level));
	int64_t sid = 0;
	if ((r = db_begin(db)) < 0)
		goto out;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO screening (intake_id, instrument_id, instrument_version, answers, level, score,"
			    " screened_by, screened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, ins->id);
	db_bind_text(st, 3, ins->version);
	db_bind_text(st, 4, stored);
	db_bind_text(st, 5, screen_level_name(level));
	db_bind_int64(st, 6, count);
	db_bind_int64(st, 7, ctx->actor->user_id);
	db_bind_text(st, 8, ts);
	r = db_step(st);
	sid = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0 || (r = svc_audit_append(db, ctx, "intake.screen", "intake", oid, detail)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:b}", "id", (json_int_t)sid, "intake_id", (json_int_t)id,
			 "instrument_id", ins->id, "instrument_version", ins->version, "level", screen_level_name(level),
			 "score", count, "suspected_victim", h.suspected_victim);
	if (h.suspected_victim) {
		/* The screen says why the child is a victim, never an offender. */
		json_t *cites = json_array();
		for (size_t i = 0; i < p->law.n_citations; i++)
			json_array_append_new(cites, json_string(p->law.citations[i]));
		json_object_set_new(*ret, "law", json_pack("{s:s, s:o}", "text", p->law.victim_not_offender, "citations",
							     cites));
	}
	goto out;
fail:
	db_rollback(db);
out:
	free(stored);
	return r;
}

