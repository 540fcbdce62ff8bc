/* Fuzz target: the CSV import. Each input is read by the CSV reader as a
 * file of any shape (expect_fields 0) and as a table (every record as wide
 * as the first), then checked line by line as an import of past referrals
 * (svc_import_referrals on a dry run: every check of every line, against
 * the built-in pack, and nothing written, so no database is needed). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/err.h"
#include "model/pack.h"
#include "service/app.h"
#include "service/ctx.h"
#include "service/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct app app;
static struct actor hart;

static void setup(void)
{
	char err[512];
	if (app_load_pack(NULL, &app.pack, err, sizeof err) < 0)
		abort();
	hart.user_id = 1;
	memcpy(hart.username, "fuzz", sizeof "fuzz");
	hart.role = ROLE_HART;
}

static void read_all(const uint8_t *data, size_t size, bool table)
{
	struct csv_reader *rd;
	if (csv_open_buffer("fuzz.csv", (const char *)data, size, &rd) < 0)
		abort();
	struct csv_row row;
	size_t width = 0;
	int r;
	while ((r = csv_next(rd, width, &row)) != 0) {
		if (r == ERR_PARSE) {
			if (!csv_error(rd)[0])
				abort();
			continue;
		}
		if (r < 0)
			abort();
		if (table && width == 0)
			width = row.n;
		for (size_t i = 0; i < row.n; i++)
			if (!row.fields[i])
				abort();
		double done = csv_progress(rd);
		if (done < 0 || done > 1)
			abort();
	}
	csv_close(rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!app.pack)
		setup();
	read_all(data, size, false);
	read_all(data, size, true);

	struct svc_ctx ctx = {.app = &app, .actor = &hart, .client = "fuzz"};
	struct import_report rep;
	memset(&rep, 0, sizeof rep);
	int r = svc_import_referrals(&ctx, (const char *)data, size, "fuzz.csv", true, NULL, NULL, &rep);
	if (r < 0 && r != ERR_NOMEM)
		abort();
	if (r == 0) {
		/* A dry run writes nothing; every problem is counted. */
		if (rep.imported != 0 || rep.batch_id != 0 || rep.nerrors > rep.error_count)
			abort();
		json_t *j = import_report_json(&rep);
		json_decref(j);
		import_report_done(&rep);
	}
	return 0;
}
