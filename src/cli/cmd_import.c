/* hartline import referrals: bring in past years' referrals from a CSV file
 * (docs/import.md), all or nothing; and hartline generate referrals: write
 * a synthetic import file (tests, demonstrations, the benchmark). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "cli/cli.h"
#include "service/app.h"
#include "service/import.h"

#define IMPORT_FILE_MAX ((size_t)2 << 30) /* 2 GiB */

struct bar {
	int last_pct;
	const char *last_phase;
};

static void progress(void *arg, const char *phase, int64_t done, int64_t total)
{
	struct bar *b = arg;
	int pct = total > 0 ? (int)(100.0 * (double)done / (double)total) : 100;
	if (b->last_phase == phase && pct == b->last_pct)
		return;
	if (b->last_phase && b->last_phase != phase)
		fputc('\n', stderr);
	b->last_phase = phase;
	b->last_pct = pct;
	int filled = pct / 4;
	fprintf(stderr, "\r%-9s [%.*s%*s] %3d%%", strcmp(phase, "write") == 0 ? "importing" : "checking", filled,
		"#########################", 25 - filled, "", pct);
	if (strcmp(phase, "write") == 0)
		fprintf(stderr, " %lld/%lld rows", (long long)done, (long long)total);
	fflush(stderr);
}

static void print_report(const struct import_report *rep, const char *path)
{
	if (rep->error_count > 0) {
		printf("%s: refused, nothing imported: %lld problem%s (%lld referral line%s read)\n", path,
		       (long long)rep->error_count, rep->error_count == 1 ? "" : "s", (long long)rep->rows,
		       rep->rows == 1 ? "" : "s");
		for (int64_t i = 0; i < rep->nerrors; i++) {
			const struct import_error *e = &rep->errors[i];
			if (e->column[0])
				printf("  line %lld, column %s: %s\n", (long long)e->line, e->column, e->reason);
			else
				printf("  line %lld: %s\n", (long long)e->line, e->reason);
		}
		if (rep->error_count > rep->nerrors)
			printf("  ... and %lld more\n", (long long)(rep->error_count - rep->nerrors));
	} else if (rep->dry_run) {
		printf("%s: %lld referral%s checked, all good; nothing written (dry run)\n", path, (long long)rep->rows,
		       rep->rows == 1 ? "" : "s");
	} else {
		printf("%s: %lld referral%s imported as batch %lld\n", path, (long long)rep->imported,
		       rep->imported == 1 ? "" : "s", (long long)rep->batch_id);
	}
}

struct import_opts {
	const char *db, *key, *pack;
	bool dry_run, quiet;
};

static const struct opt import_table[] = {
	OPT_FLAG(struct import_opts, dry_run, "dry-run", "check every line and report, but write nothing"),
	OPT_DB(struct import_opts, db),
	OPT_KEY_FILE(struct import_opts, key),
	OPT_PACK(struct import_opts, pack),
	OPT_FLAG(struct import_opts, quiet, "quiet", "no progress bar and no time taken"),
	OPT_END,
};

static int run_import(int argc, char **argv)
{
	struct import_opts o = {0};
	int r;
	const char *path;
	if (!cli_parse_verb(&cli_import, argc, argv, &o, "referrals", &path, &r))
		return r;
	char *data = NULL;
	size_t len = 0;
	if ((r = file_read_all(path, IMPORT_FILE_MAX, &data, &len)) < 0) {
		fprintf(stderr, "hartline import: %s: %s\n", path, r == ERR_TOOBIG ? "larger than 2 GiB" : err_str(r));
		return 1;
	}
	struct app app;
	if (cli_open_app(&app, o.db, o.pack, o.key)) {
		free(data);
		return 1;
	}
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	struct bar bar = {.last_pct = -1};
	bool tty = !o.quiet && isatty(STDERR_FILENO);
	struct import_report rep;
	int64_t t0 = clock_mono_us();
	r = svc_import_referrals(&ctx, data, len, base, o.dry_run, tty ? progress : NULL, &bar, &rep);
	if (tty && bar.last_phase)
		fputc('\n', stderr);
	free(data);
	app_close(&app);
	if (r < 0) {
		fprintf(stderr, "hartline import: %s: %s\n", path, err_str(r));
		return 1;
	}
	print_report(&rep, path);
	if (!o.quiet && rep.error_count == 0)
		fprintf(stderr, "took %.1f s\n", (double)(clock_mono_us() - t0) / 1e6);
	int status = rep.error_count > 0 ? 1 : 0;
	import_report_done(&rep);
	return status;
}

static int write_stdout(void *arg, const char *data, size_t n)
{
	FILE *f = arg;
	return fwrite(data, 1, n, f) == n ? 0 : ERR_IO;
}

struct generate_opts {
	int64_t count, seed, from, to;
	const char *pack, *out;
};

static const struct opt generate_table[] = {
	OPT_INT(struct generate_opts, count, "count", "N", "how many referral lines (default 1000)", 0, 20000000),
	OPT_INT(struct generate_opts, seed, "seed", "S", "the same seed writes the same file (default 1)", 0, INT64_MAX),
	OPT_INT(struct generate_opts, from, "from", "YEAR", "the first year (default 2008)", 1900, 9999),
	OPT_INT(struct generate_opts, to, "to", "YEAR", "the last year (default 2015)", 1900, 9999),
	OPT_PACK(struct generate_opts, pack),
	OPT_STRING(struct generate_opts, out, "out", "FILE", "write here instead of to standard output"),
	OPT_END,
};

static int run_generate(int argc, char **argv)
{
	struct generate_opts o = {.count = 1000, .seed = 1};
	int r;
	if (!cli_parse_verb(&cli_generate, argc, argv, &o, "referrals", NULL, &r))
		return r;
	int64_t fy = o.from, ty = o.to;
	if (fy && !ty)
		ty = fy > 2015 ? fy : 2015;
	if (ty && !fy)
		fy = ty < 2008 ? ty : 2008;
	if (fy > ty)
		return cli_misuse(&cli_generate, "--from is after --to");
	const char *out = o.out;
	struct pack *pack;
	char msg[512];
	if (app_load_pack(o.pack, &pack, msg, sizeof msg) < 0) {
		fprintf(stderr, "hartline generate: %s\n", msg);
		return 1;
	}
	FILE *f = stdout;
	if (out && (f = fopen(out, "w")) == NULL) {
		fprintf(stderr, "hartline generate: %s: %s\n", out, strerror(errno));
		pack_free(pack);
		return 1;
	}
	struct import_gen_opts g = {.count = o.count, .seed = (uint64_t)o.seed, .from_year = (int)fy, .to_year = (int)ty};
	r = import_generate(pack, &g, write_stdout, f);
	if (fflush(f) != 0 && r == 0)
		r = ERR_IO;
	if (out && fclose(f) != 0 && r == 0)
		r = ERR_IO;
	pack_free(pack);
	if (r < 0) {
		fprintf(stderr, "hartline generate: %s\n", err_str(r));
		return 1;
	}
	return 0;
}

const struct cli_command cli_import = {
	.name = "import", .args = "referrals FILE.csv", .opts = import_table, .max_args = 2, .run = run_import,
	.summary = "import past years' referrals (docs/import.md): every line checked first, then all or nothing",
};

const struct cli_command cli_generate = {
	.name = "generate", .args = "referrals", .opts = generate_table, .max_args = 1, .run = run_generate,
	.summary = "write a synthetic referrals import file (default 1000 lines, 2008 to 2015) to standard output",
};
