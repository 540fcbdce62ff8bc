/* Screening a report with one of the pack's instruments. */
#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "model/schema.h"
#include "model/screening.h"
#include "service/audit.h"


/* The body of a screening; the answers are checked against the
 * instrument. */
static const struct field_rule screen_fields[] = {
	{"instrument", FT_STRING, .required = false},
	{"answers", FT_ANY, .required = false},
	{.key = NULL},
};
const struct schema svc_intake_screen_schema = {.name = "intake screening", .fields = screen_fields};

static int insert_screening(struct db *db, const struct svc_ctx *ctx, int64_t id, const struct pack_instrument *ins,
			    const json_t *answers, enum screen_level level, int count, int64_t *ret)
{
	char ts[32];
	char *stored = json_dump_text(answers, JSON_COMPACT | JSON_SORT_KEYS);
	int r = stored ? time_format(now(), ts, sizeof ts) : ERR_NOMEM;
	if (r == 0)
		r = db_int64f(db, ret,
			      "INSERT INTO screening (intake_id, instrument_id, instrument_version, answers, level, score,"
			      " screened_by, screened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			      "ittttdit", id, ins->id, ins->version, stored, screen_level_name(level), count,
			      ctx->actor->user_id, ts);
	free(stored);
	return r;
}

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
		field_error_add(errs, "instrument", "Instrument: \u201c%.40s\u201d is not one of the instruments; choose one from the list",
				instrument ? instrument : "");
		return ERR_INVAL;
	}
	enum screen_level level;
	int count = 0;
	if ((r = screening_score(ins, answers, errs, &level, &count)) < 0)
		return r;
	int64_t sid = 0;
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = insert_screening(db, ctx, id, ins, answers, level, count, &sid)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "intake.screen", "intake", id, "instrument=%s version=%s level=%s", ins->id,
				   ins->version, screen_level_name(level))) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	*ret = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:b}", "id", (json_int_t)sid, "intake_id", (json_int_t)id,
			 "instrument_id", ins->id, "instrument_version", ins->version, "level", screen_level_name(level),
			 "score", count, "suspected_victim", h.suspected_victim);
	if (!*ret)
		return ERR_NOMEM;
	/* The screen says why the child is a victim, never an offender. */
	if (h.suspected_victim && (r = intake_law_json(p, *ret)) < 0) {
		json_decref(*ret);
		*ret = NULL;
	}
	return r;
}
