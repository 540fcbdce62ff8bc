/* hartline match: deduplicate a file of person records, link two, score
 * pairs against ground truth, and generate synthetic records. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/csv.h"
#include "base/err.h"
#include "base/str.h"
#include "cli/cli.h"
#include "match/gen.h"
#include "match/match.h"

#define MAX_FIELD_OPTS MATCH_MAX_FIELDS

/* The subcommands, declared at the end with their option tables. */
static const struct cli_command cli_match_dedupe, cli_match_link, cli_match_evaluate, cli_match_generate;

struct match_cli {
	const char *id_col;
	struct opt_list fields; /* KIND=COL[:FORMAT] */
	const char *pairs_out, *clusters_out, *threshold, *as_of;
	int64_t threads;
	bool strict, quiet, verbose;
};

#define T struct match_cli
static const struct opt batch_table[] = {
	OPT_STRING(T, id_col, "id", "COL", "the column that identifies a record", .required = true),
	OPT_LIST(T, fields, "field", "KIND=COL[:FORMAT]",
		 "a column to compare, KIND one of given, family, dob, age, sex, town, postcode, address, ident, "
		 "other; FORMAT for dates, as %Y-%m-%d (the default)",
		 MAX_FIELD_OPTS, .required = true),
	OPT_STRING(T, pairs_out, "pairs", "OUT.csv", "write the pairs found here (- for standard output)",
		   .required = true),
	OPT_STRING(T, clusters_out, "clusters", "OUT.csv", "also write each record's cluster here"),
	OPT_STRING(T, threshold, "threshold", "P", "the least probability of a pair kept, between 0 and 1"),
	OPT_INT(T, threads, "threads", "N", "threads comparing pairs (default: one per core)", 1, 64),
	OPT_STRING(T, as_of, "as-of", "YYYY-MM-DD", "the day ages are counted at (default today)"),
	OPT_FLAG(T, strict, "strict", "stop at the first malformed line rather than skip it"),
	OPT_FLAG(T, quiet, "quiet", "no progress and no summary"),
	OPT_FLAG(T, verbose, "verbose", "also print the fitted model"),
	OPT_END,
};
#undef T

struct field_map {
	enum match_kind kind;
	char col[64], format[16];
	int index[2]; /* column in each file */
};

static int parse_field(const char *spec, struct field_map *fm)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec || !eq[1])
		return ERR_INVAL;
	char kind[32];
	size_t kl = (size_t)(eq - spec);
	if (kl >= sizeof kind)
		return ERR_INVAL;
	memcpy(kind, spec, kl);
	kind[kl] = '\0';
	if (match_kind_parse(kind, &fm->kind) < 0)
		return ERR_INVAL;
	const char *col = eq + 1, *colon = strchr(col, ':');
	size_t cl = colon ? (size_t)(colon - col) : strlen(col);
	if (cl == 0 || cl >= sizeof fm->col)
		return ERR_INVAL;
	memcpy(fm->col, col, cl);
	fm->col[cl] = '\0';
	fm->format[0] = '\0';
	if (colon && str_copy(fm->format, sizeof fm->format, colon + 1) < 0)
		return ERR_INVAL;
	return 0;
}

static int column_of(const struct csv_row *header, const char *name)
{
	for (size_t i = 0; i < header->n; i++)
		if (strcmp(header->fields[i], name) == 0)
			return (int)i;
	return -1;
}

/* Open a CSV file: 0, or 1 after printing why not. */
static int open_csv(const char *path, struct csv_reader **ret)
{
	char err[512];
	if (csv_open(path, ret, err, sizeof err) < 0) {
		fprintf(stderr, "hartline match: %s\n", err);
		return 1;
	}
	return 0;
}

/* Read one file into the store. Returns 0, or 1 after printing why. */
static int load_file(const char *path, const struct match_cli *o, struct field_map *fm, int nf, int which,
		     struct match_store *s)
{
	struct csv_reader *r;
	if (open_csv(path, &r))
		return 1;
	struct csv_row row;
	int rc = csv_next(r, 0, &row);
	if (rc <= 0) {
		fprintf(stderr, "hartline match: %s: %s\n", path, rc == 0 ? "empty file, no header" : csv_error(r));
		csv_close(r);
		return 1;
	}
	size_t ncols = row.n;
	int id_col = column_of(&row, o->id_col);
	bool missing = id_col < 0;
	if (missing)
		fprintf(stderr, "hartline match: %s: no column \"%s\" for --id\n", path, o->id_col);
	for (int f = 0; f < nf; f++) {
		fm[f].index[which] = column_of(&row, fm[f].col);
		if (fm[f].index[which] < 0) {
			fprintf(stderr, "hartline match: %s: no column \"%s\" for --field %s\n", path, fm[f].col,
				match_kind_name(fm[f].kind));
			missing = true;
		}
	}
	if (missing) {
		fprintf(stderr, "hartline match: %s: its columns are:", path);
		for (size_t i = 0; i < row.n; i++)
			fprintf(stderr, "%s %s", i ? "," : "", row.fields[i]);
		fprintf(stderr, "\n");
		csv_close(r);
		return 1;
	}
	size_t bad_lines = 0, bad_values = 0;
	int64_t last = clock_mono_us();
	bool tty = !o->quiet && isatty(STDERR_FILENO);
	while ((rc = csv_next(r, ncols, &row)) != 0) {
		if (rc < 0) {
			bad_lines++;
			fprintf(stderr, "hartline match: %s (%s)\n", csv_error(r), o->strict ? "stopping" : "line skipped");
			if (o->strict) {
				csv_close(r);
				return 1;
			}
			continue;
		}
		const char *values[MATCH_MAX_FIELDS];
		for (int f = 0; f < nf; f++)
			values[f] = row.fields[fm[f].index[which]];
		int bad;
		if (match_store_add(s, row.fields[id_col], values, (uint8_t)which, NULL, &bad) < 0) {
			fprintf(stderr, "hartline match: out of memory at %s line %zu\n", path, row.line);
			csv_close(r);
			return 1;
		}
		if (bad >= 0) {
			bad_values++;
			if (bad_values <= 10)
				fprintf(stderr, "hartline match: %s:%zu: column %s: \"%s\" is not a %s%s%s; taken as missing\n",
					path, row.line, fm[bad].col, values[bad],
					fm[bad].kind == MK_DOB ? "date" : "value",
					fm[bad].kind == MK_DOB ? " in the format " : "",
					fm[bad].kind == MK_DOB ? (fm[bad].format[0] ? fm[bad].format : "%Y-%m-%d") : "");
		}
		if (tty && clock_mono_us() - last > 100000) {
			last = clock_mono_us();
			fprintf(stderr, "\rreading    %3d%% %zu records", (int)(csv_progress(r) * 100),
				match_store_count(s));
		}
	}
	if (tty)
		fprintf(stderr, "\rreading    100%% %zu records\n", match_store_count(s));
	if (bad_values > 10)
		fprintf(stderr, "hartline match: %s: %zu values in all could not be read and were taken as missing\n",
			path, bad_values);
	if (bad_lines)
		fprintf(stderr, "hartline match: %s: %zu malformed lines skipped\n", path, bad_lines);
	csv_close(r);
	return 0;
}

/* Lines of the pairs file, for a stretch of the pairs, in memory. */
struct pairs_text {
	const struct match_store *s;
	const struct match_pair *pairs;
	size_t from, to;
	char *buf;
	size_t len;
	bool failed;
};

static void *pairs_text_write(void *arg)
{
	struct pairs_text *t = arg;
	FILE *m = open_memstream(&t->buf, &t->len);
	if (!m) {
		t->failed = true;
		return NULL;
	}
	for (size_t i = t->from; i < t->to; i++) {
		csv_write_field(m, match_store_id(t->s, t->pairs[i].a));
		fputc(',', m);
		csv_write_field(m, match_store_id(t->s, t->pairs[i].b));
		fprintf(m, ",%.6f\n", t->pairs[i].probability);
	}
	t->failed = ferror(m) != 0;
	if (fclose(m) != 0)
		t->failed = true;
	return NULL;
}

static int write_outputs(const struct match_cli *o, struct match_store *s, const struct match_batch_result *res)
{
	FILE *f = strcmp(o->pairs_out, "-") == 0 ? stdout : fopen(o->pairs_out, "w");
	if (!f) {
		fprintf(stderr, "hartline match: %s: %s\n", o->pairs_out, strerror(errno));
		return 1;
	}
	fprintf(f, "id_a,id_b,probability\n");
	/* Formatting the lines is most of the work: two halves on two
	 * threads, written out in order. */
	struct pairs_text half[2] = {{s, res->pairs, 0, res->npairs / 2, NULL, 0, false},
				     {s, res->pairs, res->npairs / 2, res->npairs, NULL, 0, false}};
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, pairs_text_write, &half[1]) == 0;
	pairs_text_write(&half[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		pairs_text_write(&half[1]);
	bool failed = false;
	for (int h = 0; h < 2; h++) {
		if (half[h].failed || (half[h].len && fwrite(half[h].buf, 1, half[h].len, f) != half[h].len))
			failed = true;
		free(half[h].buf);
	}
	if (failed) {
		fprintf(stderr, "hartline match: %s: %s\n", o->pairs_out, strerror(errno ? errno : EIO));
		if (f != stdout)
			fclose(f);
		return 1;
	}
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "hartline match: %s: %s\n", o->pairs_out, strerror(errno));
		return 1;
	}
	if (!o->clusters_out)
		return 0;
	size_t n = match_store_count(s);
	uint32_t *cl = malloc((n ? n : 1) * sizeof *cl);
	if (!cl)
		return 1;
	match_clusters(n, res->pairs, res->npairs, cl);
	FILE *c = fopen(o->clusters_out, "w");
	if (!c) {
		fprintf(stderr, "hartline match: %s: %s\n", o->clusters_out, strerror(errno));
		free(cl);
		return 1;
	}
	fprintf(c, "id,cluster\n");
	for (size_t i = 0; i < n; i++) {
		csv_write_field(c, match_store_id(s, (uint32_t)i));
		fputc(',', c);
		csv_write_field(c, match_store_id(s, cl[i]));
		fputc('\n', c);
	}
	free(cl);
	if (fclose(c) != 0)
		return 1;
	return 0;
}

static int run_batch(int argc, char **argv, bool link)
{
	const struct cli_command *cmd = link ? &cli_match_link : &cli_match_dedupe;
	struct match_cli o = {0};
	const char *pos[2];
	int npos = 0;
	int r = cli_parse(cmd, argc, argv, &o, pos, &npos);
	if (r)
		return cli_exit(r);
	if (npos != (link ? 2 : 1))
		return cli_misuse(cmd, "needs %s", link ? "A.csv B.csv" : "FILE.csv");
	struct match_schema schema = {0};
	struct field_map fm[MATCH_MAX_FIELDS];
	for (int f = 0; f < o.fields.n; f++) {
		if (parse_field(o.fields.item[f], &fm[f]) < 0)
			return cli_misuse(cmd, "--field %s: expected KIND=COLUMN[:FORMAT], KIND one of given, family, dob, "
					       "age, sex, town, postcode, address, ident, other",
					  o.fields.item[f]);
		match_schema_add(&schema, fm[f].kind, fm[f].col, fm[f].format);
	}
	struct match_batch_opts bo = {.link = link, .progress = !o.quiet && isatty(STDERR_FILENO)};
	if (o.threshold) {
		char *end;
		errno = 0;
		bo.threshold = strtod(o.threshold, &end);
		if (errno || *end || !(bo.threshold > 0 && bo.threshold < 1))
			return cli_misuse(cmd, "--threshold %s: expected a probability between 0 and 1", o.threshold);
	}
	bo.threads = (int)o.threads;
	if (o.as_of) {
		if (!cmp_date_parse(o.as_of, "%Y-%m-%d", &schema.as_of))
			return cli_misuse(cmd, "--as-of %s: expected a date as YYYY-MM-DD", o.as_of);
	} else {
		time_t t = (time_t)(now() / HL_USEC_PER_SEC);
		struct tm tm;
		gmtime_r(&t, &tm);
		schema.as_of = (struct cmp_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	}
	struct match_store *s;
	if (match_store_new(&schema, &s) < 0) {
		fprintf(stderr, "hartline match: out of memory\n");
		return 1;
	}
	int64_t t0 = clock_mono_us();
	int rc = load_file(pos[0], &o, fm, o.fields.n, 0, s);
	if (rc == 0 && link)
		rc = load_file(pos[1], &o, fm, o.fields.n, 1, s);
	double seconds_read = (double)(clock_mono_us() - t0) / 1e6, seconds_write = 0;
	struct match_model model;
	memset(&model, 0, sizeof model);
	struct match_batch_result res = {0};
	if (rc == 0) {
		r = match_batch(s, &model, &bo, &res);
		if (r < 0) {
			fprintf(stderr, "hartline match: %s\n", err_str(r));
			rc = 1;
		}
	}
	if (rc == 0) {
		t0 = clock_mono_us();
		rc = write_outputs(&o, s, &res);
		seconds_write = (double)(clock_mono_us() - t0) / 1e6;
	}
	if (rc == 0 && !o.quiet) {
		fprintf(stderr,
			"%zu records, %zu candidate pairs compared, %zu pairs at or above %.2f; model fitted on %zu "
			"pairs, EM %s %d iterations%s (match share %.4f); %.1f s read, %.1f s index, %.1f s fit, "
			"%.1f s compare, %.1f s write\n",
			match_store_count(s), res.candidates, res.npairs, bo.threshold ? bo.threshold : MATCH_LINK,
			model.pairs, model.converged ? "converged in" : "did not converge in", model.iterations,
			model.fallback ? ", so m is the plain rule's estimate" : "", model.lambda, seconds_read,
			res.seconds_index, res.seconds_fit, res.seconds_score, seconds_write);
		fprintf(stderr,
			"twin and sibling safeguards %s: %zu pairs share family name and address with given names that "
			"differ, %zu of them born a year or more apart\n",
			model.households ? "on" : "off", model.household_pairs, model.household_apart);
	}
	if (rc == 0 && o.verbose) {
		fprintf(stderr, "model: lambda %.3g (prior %.2f bits)\n%-16s %-28s %8s %8s %8s\n", model.lambda,
			model.prior_w, "field", "level", "m", "u", "weight");
		for (int f = 0; f < schema.n; f++)
			for (int l = 1; l < match_levels(schema.kind[f]); l++)
				fprintf(stderr, "%-16s %-28s %8.4f %8.4f %8.2f\n", l == 1 ? schema.label[f] : "",
					match_level_text(schema.kind[f], l), model.m[f][l], model.u[f][l], model.w[f][l]);
		if (model.moved_w > -1e8)
			fprintf(stderr, "a move (every place different) weighs %.2f for the places together, when more "
					"than their sum\n",
				model.moved_w);
	}
	free(res.pairs);
	match_model_done(&model);
	match_store_free(s);
	return rc;
}

/* FEBRL's ground truth: "rec-12-org" and "rec-12-dup-3" are person 12. */
static int truth_entity(const char *id, char *out, size_t size)
{
	const char *p = strchr(id, '-');
	const char *q = p ? strchr(p + 1, '-') : NULL;
	size_t n = q ? (size_t)(q - id) : strlen(id);
	if (n >= size)
		return ERR_TOOBIG;
	memcpy(out, id, n);
	out[n] = '\0';
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct evaluate_opts {
	const char *truth, *id;
};

static const struct opt evaluate_table[] = {
	OPT_STRING(struct evaluate_opts, truth, "truth", "FILE.csv", "the records, with FEBRL ids (rec-12-dup-3)",
		   .required = true),
	OPT_STRING(struct evaluate_opts, id, "id", "COL", "the column of those ids", .required = true),
	OPT_END,
};

static int run_evaluate(int argc, char **argv)
{
	struct evaluate_opts o = {0};
	const char *pos[1];
	int npos = 0;
	int r = cli_parse(&cli_match_evaluate, argc, argv, &o, pos, &npos);
	if (r)
		return cli_exit(r);
	if (npos != 1)
		return cli_misuse(&cli_match_evaluate, "needs PAIRS.csv");
	const char *truth = o.truth, *id = o.id;
	/* Count true pairs: for each entity with k records, k(k-1)/2. */
	struct csv_reader *rd;
	if (open_csv(truth, &rd))
		return 1;
	struct csv_row row;
	if (csv_next(rd, 0, &row) <= 0) {
		csv_close(rd);
		return 1;
	}
	int idc = column_of(&row, id);
	if (idc < 0) {
		fprintf(stderr, "hartline match: %s: no column \"%s\"\n", truth, id);
		csv_close(rd);
		return 1;
	}
	size_t ncols = row.n, n = 0, cap = 1024;
	char **ents = malloc(cap * sizeof *ents);
	while ((r = csv_next(rd, ncols, &row)) != 0) {
		if (r < 0)
			continue;
		char e[128];
		if (truth_entity(row.fields[idc], e, sizeof e) < 0)
			continue;
		if (n == cap) {
			cap *= 2;
			ents = realloc(ents, cap * sizeof *ents);
		}
		ents[n++] = strdup(e);
	}
	csv_close(rd);
	qsort(ents, n, sizeof *ents, cmp_str);
	double true_pairs = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && strcmp(ents[j], ents[i]) == 0)
			j++;
		double k = (double)(j - i);
		true_pairs += k * (k - 1) / 2;
		i = j;
	}
	for (size_t i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (open_csv(pos[0], &rd))
		return 1;
	csv_next(rd, 0, &row);
	double tp = 0, fp = 0;
	while ((r = csv_next(rd, 3, &row)) != 0) {
		if (r < 0)
			continue;
		char a[128], b[128];
		if (truth_entity(row.fields[0], a, sizeof a) < 0 || truth_entity(row.fields[1], b, sizeof b) < 0)
			continue;
		if (strcmp(a, b) == 0)
			tp++;
		else
			fp++;
	}
	csv_close(rd);
	double precision = tp + fp > 0 ? tp / (tp + fp) : 0, recall = true_pairs > 0 ? tp / true_pairs : 0;
	double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
	printf("true pairs %.0f, found %.0f, correct %.0f: precision %.4f, recall %.4f, F1 %.4f\n", true_pairs,
	       tp + fp, tp, precision, recall, f1);
	return 0;
}

static void gen_progress(size_t done, size_t total, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rgenerating %3d%% %zu/%zu", (int)(100.0 * (double)done / (double)total), done, total);
}

struct gen_opts {
	int64_t records, originals, seed;
	const char *out;
};

static const struct opt gen_table[] = {
	OPT_INT(struct gen_opts, records, "records", "N", "how many records", 1, 100000000, .required = true),
	OPT_INT(struct gen_opts, originals, "originals", "N", "how many people, at most --records (default 6 in 10)",
		1, 100000000),
	OPT_INT(struct gen_opts, seed, "seed", "S", "the same seed writes the same records", 0, INT64_MAX),
	OPT_STRING(struct gen_opts, out, "out", "FILE", "write here (default, or -: standard output)"),
	OPT_END,
};

static int run_generate(int argc, char **argv)
{
	struct gen_config c;
	gen_config_defaults(&c);
	struct gen_opts o = {.seed = (int64_t)c.seed};
	int r = cli_parse(&cli_match_generate, argc, argv, &o, NULL, NULL);
	if (r)
		return cli_exit(r);
	if (o.originals > o.records)
		return cli_misuse(&cli_match_generate, "--originals %lld: must be from 1 to --records (%lld)",
				  (long long)o.originals, (long long)o.records);
	c.records = (size_t)o.records;
	c.originals = o.originals ? (size_t)o.originals : c.records * 6 / 10;
	if (c.originals == 0)
		c.originals = 1;
	c.seed = (uint64_t)o.seed;
	const char *out = o.out;
	FILE *f = !out || strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
	if (!f) {
		fprintf(stderr, "hartline match generate: %s: %s\n", out, strerror(errno));
		return 1;
	}
	bool tty = isatty(STDERR_FILENO);
	r = gen_write(f, &c, tty ? gen_progress : NULL, NULL);
	if (tty)
		fprintf(stderr, "\n");
	if (f != stdout && fclose(f) != 0)
		r = ERR_IO;
	if (r < 0) {
		fprintf(stderr, "hartline match generate: %s\n", err_str(r));
		return 1;
	}
	fprintf(stderr, "%zu synthetic records (%zu people), seed %llu\n", c.records, c.originals,
		(unsigned long long)c.seed);
	return 0;
}

static int run_dedupe(int argc, char **argv)
{
	return run_batch(argc, argv, false);
}

static int run_link(int argc, char **argv)
{
	return run_batch(argc, argv, true);
}

static const struct cli_command cli_match_dedupe = {
	.name = "match dedupe", .args = "FILE.csv", .opts = batch_table, .max_args = 1, .run = run_dedupe,
	.summary = "find the records of one file that are the same person",
};

static const struct cli_command cli_match_link = {
	.name = "match link", .args = "A.csv B.csv", .opts = batch_table, .max_args = 2, .run = run_link,
	.summary = "find the records of A that are the same person as a record of B",
};

static const struct cli_command cli_match_evaluate = {
	.name = "match evaluate", .args = "PAIRS.csv", .opts = evaluate_table, .max_args = 1, .run = run_evaluate,
	.summary = "score the pairs found against the ground truth of synthetic records",
};

static const struct cli_command cli_match_generate = {
	.name = "match generate", .opts = gen_table, .run = run_generate,
	.summary = "write synthetic person records with duplicates and their ground truth",
};

static const struct cli_command *const match_subs[] = {
	&cli_match_dedupe, &cli_match_link, &cli_match_evaluate, &cli_match_generate, NULL,
};

const struct cli_command cli_match = {
	.name = "match",
	.summary = "find records of the same person in CSV files (identity resolution)",
	.subs = match_subs,
};
