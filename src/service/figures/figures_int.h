/* figures_int: what the parts of the figures service share, and nothing
 * outside them needs: the store of referral rows (store.c), the axes a
 * table is counted along (axes.c), the in-memory figures (referrals.c),
 * the SQL ones (sql.c), and the checked query they all answer, which the
 * entry point (service/figures.c) builds. The writing side (write.c)
 * needs only the dates. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model/pack.h"
#include "service/figure.h"
#include "service/figures.h"

#define NONE_KEY "none"
#define NONE_LABEL "Not recorded"
#define MAX_BINS 100000
/* A figure's cells at most (rows x columns): a month-by-quarter table over
 * three centuries is not a figure anyone reads. */
#define MAX_CELLS 10000
#define MAX_CELLS_PER_CHILD 4096
#define MIN_YEAR 1900
#define MAX_YEAR 2200

/* The figures answered with SQL (sql.c); "referrals" and "repeat" come
 * from the store, "federal" from SQL too. */
#define FIG_DUTIES "duties"
#define FIG_MISSING "missing"
#define FIG_RAPID "rapid-response"
/* Restore and recovery (recovery.c). */
#define FIG_SERVICES "services"
#define FIG_RELIEF "relief"
/* Awareness and education (training.c). */
#define FIG_TRAINING "training"

/* ---- dates (store.c) ---- */

/* "YYYY-MM-DD" exactly, a real date from MIN_YEAR to MAX_YEAR. */
bool figures_parse_day(const char *s, int32_t *ret);
void figures_format_day(int32_t day, char out[16]);
/* The day number of a stored UTC time in the pack's time zone; false for
 * a time that does not parse. */
bool figures_local_day(const char *ts, int32_t *ret);

/* ---- the store (store.c) ---- */

enum dim { DIM_SOURCE, DIM_REGION, DIM_OFFICE, DIM_SEX, DIM_GENDER, DIM_TYPE, DIM_DISP, NDIMS };

/* The values a dimension's codes stand for: code 0 is "not recorded",
 * 1..npack the pack's list in its order, then values met in the data that
 * the pack does not list (an import from an older pack). */
struct dim_values {
	const char **id, **name; /* npack */
	int npack;
	char **extra;
	int nextra, cap;
	/* {id: label} of values a pack this database ran with had and the
	 * current one lacks (svc_pack_start): an extra value shows its label. */
	const json_t *retired;
};

struct child_map {
	char **key;
	uint32_t *val;
	size_t cap, n;
};

struct store {
	const struct app *app;
	const struct pack *pack;
	int64_t last_seq;
	size_t n, cap;
	int32_t *day;
	int16_t *age; /* -1 unknown */
	uint16_t *code[NDIMS];
	uint64_t *vuln;
	uint32_t *child;
	uint32_t *slot_of_id; /* referral id -> index + 1; 0: none */
	size_t nslot;
	struct dim_values dims[NDIMS];
	struct child_map children;
	/* Each child's referrals: rows[start[c] .. start[c+1]) */
	uint32_t *by_child_start, *by_child_rows;
	bool by_child_valid;
};

/* Take the store up to date and hold it for reading: *ret is valid until
 * figures_store_release(). */
int figures_store_acquire(struct app *app, struct store **ret);
void figures_store_release(void);
/* The code of value in a dimension (0: not recorded), added to the
 * dictionary when the pack does not list it; -1 when out of memory. */
int figures_dim_code(struct dim_values *v, const char *value);
/* The id and the name a dimension's code stands for. */
const char *figures_dim_id(const struct dim_values *v, int code);
const char *figures_dim_name(const struct dim_values *v, int code);
/* The labels of list's retired values ({id: label}; NULL when none). */
const json_t *figures_retired(const struct app *app, const char *list);

/* ---- the training store (tstore.c) ---- */

enum tdim { TDIM_COURSE, TDIM_REGION, TDIM_AUDIENCE, TNDIMS };
enum { TS_NONE, TS_SCHEDULED, TS_HELD, TS_CANCELLED }; /* s_status */
enum { TR_ATTENDED = 1, TR_COMPLETED = 2 };           /* r_flags */

/* The training rows by id (index 0 unused; a zero row is none). */
struct tstore {
	const struct app *app;
	const struct pack *pack;
	int64_t last_seq; /* -1: nothing read yet */
	/* sessions [1, nsess) */
	size_t nsess, nsess_cap;
	uint16_t *s_course, *s_region; /* codes of dims */
	int32_t *s_day;                /* the start's day in the pack's zone */
	uint8_t *s_status;             /* TS_*; TS_NONE: no such session */
	uint32_t *s_attended;          /* registrations attended */
	/* registrations [1, nreg) */
	size_t nreg, nreg_cap;
	int32_t *r_session, *r_trainee;
	uint8_t *r_flags; /* TR_* */
	/* trainees [1, ntrainee_cap) */
	size_t ntrainee_cap;
	uint16_t *t_audience;
	int64_t max_trainee;
	/* who leads which session */
	size_t npair, pair_cap;
	int32_t *pair_session, *pair_trainer;
	struct dim_values dims[TNDIMS];
	/* Built for the trainers' reach after a change: each session's
	 * attended trainees,
	 * att_trainee[att_start[s] .. att_start[s + 1]); the trainers in id
	 * order and each one's sessions, led_session[led_start[k] ..
	 * led_start[k + 1]). */
	bool index_valid;
	uint32_t *att_start, *att_trainee;
	int32_t *trainers;
	size_t ntrainers;
	uint32_t *led_start, *led_session;
};

/* Take the training store up to date (with its index when index) and
 * hold it for reading: *ret is valid until figures_tstore_release(). */
int figures_tstore_acquire(struct app *app, struct db *db, bool index, struct tstore **ret);
void figures_tstore_release(void);
void figures_tstore_reset(void);

/* ---- axes (axes.c) ---- */

enum axis_kind { AX_YEAR, AX_QUARTER, AX_MONTH, AX_DIM, AX_AGE, AX_VULN };

/* One dimension of a table, "wide": every bin it may have. Which bins are
 * shown is decided after counting (values the pack does not list, and
 * "not recorded", only when something is in them). */
struct axis {
	enum axis_kind kind;
	enum dim dim;   /* AX_DIM */
	int n;          /* bins */
	int32_t d0;     /* calendar: the first day of the range */
	int32_t *day_bin; /* calendar: day - d0 -> bin */
	int *code_bin;  /* AX_DIM: code -> bin (-1: not in this table) */
	int ncodes;
	int age_bin[152]; /* AX_AGE: age + 1 -> bin (index 0: unknown) */
	int nvuln;      /* AX_VULN: the pack's vulnerabilities (bins 0..nvuln-1), then none */
	char **key, **label;
	bool *always;   /* shown even when empty */
};

/* The parsed, checked query. */
struct fq {
	const char *figure, *by, *then, *measure, *region, *kind;
	bool has_from, has_to;
	int32_t from, to;
	int fy;
	bool suppressed;
};

void figures_axis_done(struct axis *a);
int figures_axis_alloc(struct axis *a, int n);
int figures_axis_set(struct axis *a, int i, const char *key, const char *label, bool always);
/* Calendar bins from d0 to d1 inclusive. */
int figures_axis_calendar(struct axis *a, enum axis_kind kind, int32_t d0, int32_t d1);
/* The axis a dimension word names ("year", "region", "age", ...). */
int figures_axis_build(struct axis *a, const char *by, const struct store *s, const char *region, int32_t d0,
		       int32_t d1);
/* The bins of referral i along a: up to 65 (vulnerabilities); returns how
 * many. */
int figures_axis_bins(const struct axis *a, const struct store *s, size_t i, int *out);
/* The words a title uses for a dimension ("area office" for "office"). */
const char *figures_dim_label(const char *by);
bool figures_is_calendar(const char *by);
void figures_subtitle(struct figure *f, const struct pack *p, const struct fq *q, bool have_range, int32_t d0,
		      int32_t d1);
/* Copy the kept bins of the wide grid into f. keep_r/keep_c list wide
 * indices. */
int figures_fill(struct figure *f, const struct axis *ra, const int *keep_r, int nr, const struct axis *ca,
		 const int *keep_c, int nc, const int64_t *grid, int wide_cols);

/* ---- the figures ---- */

/* From the store (referrals.c): ERR_TOOBIG for a table over MAX_CELLS. */
int figures_referrals(const struct store *s, const struct fq *q, struct figure *f);
int figures_repeat(const struct store *s, const struct fq *q, struct figure *f);
/* With SQL (sql.c): duties, missing episodes, rapid responses; federal. */
int figures_sql(struct db *db, const struct pack *p, const struct fq *q, struct figure *f);
int figures_federal(struct db *db, const struct pack *p, const struct fq *q, struct figure *f);
/* With SQL (recovery.c): service referrals (q->measure referrals, answers
 * or first_service) by service, provider or region; relief by year or
 * region. */
int figures_recovery(struct db *db, const struct pack *p, const struct fq *q, struct figure *f);
/* With SQL and one pass (training.c): people trained, sessions held,
 * trainers' reach, providers trafficking-informed (q->measure). */
int figures_training(struct db *db, struct app *app, const struct fq *q, struct figure *f);
/* Providers trafficking-informed by quarter or year (training_history.c):
 * each period's end, from staff's completions and the pack's rule. */
int figures_informed_history(struct db *db, const struct pack *p, const struct fq *q, struct figure *f);
