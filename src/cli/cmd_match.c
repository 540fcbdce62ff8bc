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

struct match_cli {
	const char *id_col;
	const char *fields[MAX_FIELD_OPTS]; /* KIND=COL[:FORMAT] */
	int nfields;
	const char *pairs_out, *clusters_out, *threshold, *threads, *as_of;
	bool strict, quiet, verbose;
};

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

/* Read one file into the store. Returns 0, or 1 after printing why. */
static int load_file(const char *path, const struct match_cli *o, struct field_map *fm, int nf, int which,
		     struct match_store *s)
{
	struct csv_reader *r;
	char err[512];
	if (csv_open(path, &r, err, sizeof err) < 0) {
		fprintf(stderr, "hartline match: %s\n", err);
		return 1;
	}
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
	struct match_cli o = {0};
	/* --field repeats: gather them by hand, then parse the rest. */
	char *rest[256];
	int nrest = 0;
	for (int i = 0; i < argc && nrest < 255; i++) {
		if (strcmp(argv[i], "--field") == 0 && i + 1 < argc) {
			if (o.nfields >= MAX_FIELD_OPTS) {
				fprintf(stderr, "hartline match: at most %d --field options\n", MAX_FIELD_OPTS);
				return EXIT_USAGE;
			}
			o.fields[o.nfields++] = argv[++i];
		} else if (strncmp(argv[i], "--field=", 8) == 0) {
			if (o.nfields < MAX_FIELD_OPTS)
				o.fields[o.nfields++] = argv[i] + 8;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	const struct cli_opt opts[] = {
		{"--id", &o.id_col, NULL},
		{"--pairs", &o.pairs_out, NULL},
		{"--clusters", &o.clusters_out, NULL},
		{"--threshold", &o.threshold, NULL},
		{"--threads", &o.threads, NULL},
		{"--as-of", &o.as_of, NULL},
		{"--strict", NULL, &o.strict},
		{"--quiet", NULL, &o.quiet},
		{"--verbose", NULL, &o.verbose},
		{0},
	};
	const char *pos[2];
	int npos = 0;
	int r = cli_parse(nrest, rest, opts, pos, 2, &npos);
	if (r)
		return r;
	if (npos != (link ? 2 : 1) || !o.id_col || !o.pairs_out || o.nfields == 0) {
		fprintf(stderr, "hartline match %s: needs %s, --id COL, --pairs OUT and at least one --field\n",
			link ? "link" : "dedupe", link ? "A.csv B.csv" : "FILE.csv");
		cli_usage("match", stderr);
		return EXIT_USAGE;
	}
	struct match_schema schema = {0};
	struct field_map fm[MATCH_MAX_FIELDS];
	for (int f = 0; f < o.nfields; f++) {
		if (parse_field(o.fields[f], &fm[f]) < 0) {
			fprintf(stderr,
				"hartline match: --field %s: expected KIND=COLUMN[:FORMAT], KIND one of given, family, dob, "
				"age, sex, town, postcode, address, ident, other\n",
				o.fields[f]);
			return EXIT_USAGE;
		}
		match_schema_add(&schema, fm[f].kind, fm[f].col, fm[f].format);
	}
	struct match_batch_opts bo = {.link = link, .progress = !o.quiet && isatty(STDERR_FILENO)};
	if (o.threshold) {
		char *end;
		errno = 0;
		bo.threshold = strtod(o.threshold, &end);
		if (errno || *end || !(bo.threshold > 0 && bo.threshold < 1)) {
			fprintf(stderr, "hartline match: --threshold %s: expected a probability between 0 and 1\n",
				o.threshold);
			return EXIT_USAGE;
		}
	}
	int64_t v;
	if (o.threads) {
		if (str_to_int64(o.threads, 1, 64, &v) < 0) {
			fprintf(stderr, "hartline match: --threads %s: expected 1 to 64\n", o.threads);
			return EXIT_USAGE;
		}
		bo.threads = (int)v;
	}
	if (o.as_of) {
		if (!cmp_date_parse(o.as_of, "%Y-%m-%d", &schema.as_of)) {
			fprintf(stderr, "hartline match: --as-of %s: expected YYYY-MM-DD\n", o.as_of);
			return EXIT_USAGE;
		}
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
	int rc = load_file(pos[0], &o, fm, o.nfields, 0, s);
	if (rc == 0 && link)
		rc = load_file(pos[1], &o, fm, o.nfields, 1, s);
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
			"pairs in %d EM iterations (match share %.4f); %.1f s read, %.1f s index, %.1f s fit, "
			"%.1f s compare, %.1f s write\n",
			match_store_count(s), res.candidates, res.npairs, bo.threshold ? bo.threshold : MATCH_LINK,
			model.pairs, model.iterations, model.lambda, seconds_read, res.seconds_index, res.seconds_fit,
			res.seconds_score, seconds_write);
	}
	if (rc == 0 && o.verbose) {
		fprintf(stderr, "model: lambda %.3g (prior %.2f bits)\n%-16s %-28s %8s %8s %8s\n", model.lambda,
			model.prior_w, "field", "level", "m", "u", "weight");
		for (int f = 0; f < schema.n; f++)
			for (int l = 1; l < match_levels(schema.kind[f]); l++)
				fprintf(stderr, "%-16s %-28s %8.4f %8.4f %8.2f\n", l == 1 ? schema.label[f] : "",
					match_level_text(schema.kind[f], l), model.m[f][l], model.u[f][l], model.w[f][l]);
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

static int run_evaluate(int argc, char **argv)
{
	const char *truth = NULL, *id = NULL;
	const struct cli_opt opts[] = {{"--truth", &truth, NULL}, {"--id", &id, NULL}, {0}};
	const char *pos[1];
	int npos = 0;
	int r = cli_parse(argc, argv, opts, pos, 1, &npos);
	if (r)
		return r;
	if (npos != 1 || !truth || !id) {
		fprintf(stderr, "hartline match evaluate: needs PAIRS.csv --truth FILE.csv --id COL\n");
		return EXIT_USAGE;
	}
	/* Count true pairs: for each entity with k records, k(k-1)/2. */
	struct csv_reader *rd;
	char err[512];
	if (csv_open(truth, &rd, err, sizeof err) < 0) {
		fprintf(stderr, "hartline match: %s\n", err);
		return 1;
	}
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
	if (csv_open(pos[0], &rd, err, sizeof err) < 0) {
		fprintf(stderr, "hartline match: %s\n", err);
		return 1;
	}
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

static int run_generate(int argc, char **argv)
{
	const char *records = NULL, *originals = NULL, *seed = NULL, *out = NULL;
	const struct cli_opt opts[] = {
		{"--records", &records, NULL},
		{"--originals", &originals, NULL},
		{"--seed", &seed, NULL},
		{"--out", &out, NULL},
		{0},
	};
	int r = cli_parse(argc, argv, opts, NULL, 0, NULL);
	if (r)
		return r;
	struct gen_config c;
	gen_config_defaults(&c);
	int64_t v;
	if (!records || str_to_int64(records, 1, 100000000, &v) < 0) {
		fprintf(stderr, "hartline match generate: --records N (1 to 100000000) is required\n");
		return EXIT_USAGE;
	}
	c.records = (size_t)v;
	c.originals = c.records * 6 / 10;
	if (originals) {
		if (str_to_int64(originals, 1, (int64_t)c.records, &v) < 0) {
			fprintf(stderr, "hartline match generate: --originals must be from 1 to --records\n");
			return EXIT_USAGE;
		}
		c.originals = (size_t)v;
	}
	if (c.originals == 0)
		c.originals = 1;
	if (seed) {
		if (str_to_int64(seed, 0, INT64_MAX, &v) < 0) {
			fprintf(stderr, "hartline match generate: --seed must be a non-negative integer\n");
			return EXIT_USAGE;
		}
		c.seed = (uint64_t)v;
	}
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

int cmd_match(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage("match", stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	argv[1] = argv[0];
	if (strcmp(sub, "dedupe") == 0)
		return run_batch(argc - 1, argv + 1, false);
	if (strcmp(sub, "link") == 0)
		return run_batch(argc - 1, argv + 1, true);
	if (strcmp(sub, "evaluate") == 0)
		return run_evaluate(argc - 1, argv + 1);
	if (strcmp(sub, "generate") == 0)
		return run_generate(argc - 1, argv + 1);
	fprintf(stderr, "hartline match: unknown subcommand '%s'\n", sub);
	cli_usage("match", stderr);
	return EXIT_USAGE;
}
