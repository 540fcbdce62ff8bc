/* hartline user and demo: the people who may log in. Also the helpers the
 * commands that act on an installation share. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "cli/cli.h"
#include "cli/demo.h"
#include "base/clock.h"
#include "service/app.h"
#include "service/cases.h"
#include "service/import.h"
#include "service/contacts.h"
#include "service/persons.h"
#include "service/setup.h"
#include "service/page.h"
#include "service/teams.h"
#include "service/users.h"
#include "base/csv.h"
#include "match/gen.h"

int cli_open_app(struct app *app, const char *db, const char *pack, const char *key_file)
{
	char err[1024];
	if (app_open(app, cli_db_url(db), pack, key_file, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	return 0;
}

static int read_line(FILE *f, char *out, size_t size)
{
	if (!fgets(out, (int)size, f))
		return ERR_IO;
	size_t n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[--n] = '\0';
	else if (n == size - 1)
		return ERR_TOOBIG;
	if (n && out[n - 1] == '\r')
		out[--n] = '\0';
	return 0;
}

static int read_hidden(const char *prompt, char *out, size_t size)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return ERR_IO;
	struct termios old, quiet;
	int fd = fileno(tty);
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	fprintf(tty, "%s", prompt);
	fflush(tty);
	int r = read_line(tty, out, size);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	return r;
}

int cli_read_password(const char *prompt, bool from_stdin, bool confirm, char *out, size_t size)
{
	if (from_stdin)
		return read_line(stdin, out, size);
	int r = read_hidden(prompt, out, size);
	if (r < 0 || !confirm)
		return r;
	char again[512];
	if ((r = read_hidden("Again: ", again, sizeof again)) < 0)
		return r;
	r = strcmp(out, again) == 0 ? 0 : ERR_INVAL;
	memset(again, 0, sizeof again);
	return r;
}

static void print_errors(const char *what, struct field_errors *errs)
{
	for (size_t i = 0; i < errs->count && i < errs->max; i++) {
		char line[512];
		if (field_error_format(errs, i, line, sizeof line) == 0)
			fprintf(stderr, "hartline %s: %s\n", what, line);
	}
}

/* Where the person opens a set-up link: base is the address staff open
 * hartline at (--url); without it, the path to add to that address. */
static void print_setup_link(const char *name, const char *base, const struct setup_link *link)
{
	size_t n = base ? strlen(base) : 0;
	while (n && base[n - 1] == '/')
		n--;
	printf("set-up link for %s, to use once before %s:\n%.*s/setup#token=%s\n", name, link->expires_at, (int)n,
	       base ? base : "", link->token);
	if (!base)
		printf("(put the address staff open hartline at in front, or give --url)\n");
	printf("Hand it to %s only: whoever opens it first chooses the password.\n", name);
}

static int user_add(struct svc_ctx *ctx, const char *name, const char *role, const char *scope,
		    const char *display_name, const char *email, bool from_stdin, bool link_only, const char *base)
{
	char password[512] = "";
	if (!link_only &&
	    cli_read_password("Password for the new user: ", from_stdin, true, password, sizeof password) < 0) {
		fprintf(stderr, "hartline user add: no password read (use --password-stdin when not at a terminal; "
				"the two entries must match)\n");
		return 1;
	}
	struct user_new u = {
		.username = name,
		.role = role,
		.scope = scope,
		.display_name = display_name ? display_name : name,
		.email = email,
		.password = link_only ? NULL : password,
	};
	struct field_errors errs;
	field_errors_init(&errs, 20);
	int64_t id;
	struct setup_link link;
	int r = svc_users_create(ctx, &u, &errs, &id, &link);
	memset(password, 0, sizeof password);
	if (r == ERR_INVAL || r == ERR_EXISTS) {
		print_errors("user add", &errs);
		field_errors_done(&errs);
		return 1;
	}
	field_errors_done(&errs);
	if (r < 0) {
		fprintf(stderr, "hartline user add: %s\n", err_str(r));
		return 1;
	}
	printf("user %s added (id %lld, role %s%s%s)\n", name, (long long)id, role, scope ? ", scope " : "",
	       scope ? scope : "");
	if (link_only)
		print_setup_link(name, base, &link);
	return 0;
}

static int user_setup_link(struct svc_ctx *ctx, const char *name, const char *base)
{
	int64_t id;
	struct setup_link link;
	int r = svc_users_find(ctx, name, &id);
	if (r == 0)
		r = svc_setup_link_issue(ctx, id, &link);
	if (r < 0) {
		fprintf(stderr, "hartline user setup-link: %s: %s\n", name, r == ERR_NOTFOUND ? "no such user" : err_str(r));
		return 1;
	}
	print_setup_link(name, base, &link);
	printf("Any earlier link for %s no longer works, nor does their password; their sessions ended.\n", name);
	return 0;
}

/* One page of the users, printed; *more and next: the page after, if any. */
static int user_list_page(struct svc_ctx *ctx, const char *ts, char *next, size_t next_size, bool *more)
{
	struct user_info *users;
	size_t n;
	struct field_errors errs;
	field_errors_init(&errs, 4);
	struct list_page p;
	char after[4 * PAGE_KEY_MAX];
	snprintf(after, sizeof after, "%s", next);
	struct page_query q = {.limit = "500", .after = after[0] ? after : NULL};
	int r = svc_users_list(ctx, &q, &errs, &p, &users, &n);
	field_errors_done(&errs);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		/* No password yet: waiting for the person to use the link. */
		const char *setup = users[i].setup_expires_at;
		const char *status = users[i].disabled ? "disabled"
				     : users[i].locked ? "locked"
				     : !setup[0]	       ? "active"
				     : strcmp(setup, ts) > 0 ? "setup"
							     : "expired";
		printf("%-20s %-9s %-14s %-9s %s\n", users[i].username, role_name(users[i].role),
		       users[i].scope[0] ? users[i].scope : "-", status,
		       users[i].display_name ? users[i].display_name : "");
	}
	user_infos_free(users, n);
	*more = p.more && p.n > 0;
	return *more ? page_cursor(&p, p.last_key, p.last_id, next, next_size) : 0;
}

static int user_list(struct svc_ctx *ctx)
{
	char ts[32];
	if (time_format(now(), ts, sizeof ts) < 0)
		ts[0] = '\0';
	printf("%-20s %-9s %-14s %-9s %s\n", "USERNAME", "ROLE", "SCOPE", "STATUS", "NAME");
	char next[4 * PAGE_KEY_MAX] = "";
	bool more = true;
	int r = 0;
	while (more && (r = user_list_page(ctx, ts, next, sizeof next, &more)) == 0)
		;
	if (r < 0) {
		fprintf(stderr, "hartline user list: %s\n", err_str(r));
		return 1;
	}
	return 0;
}

static int user_change(struct svc_ctx *ctx, const char *what, const char *name, bool from_stdin)
{
	int64_t id;
	int r = svc_users_find(ctx, name, &id);
	if (r < 0) {
		fprintf(stderr, "hartline user %s: %s: %s\n", what, name, r == ERR_NOTFOUND ? "no such user" : err_str(r));
		return 1;
	}
	struct user_info cur;
	if ((r = svc_users_get(ctx, id, &cur)) < 0) {
		fprintf(stderr, "hartline user %s: %s\n", what, err_str(r));
		return 1;
	}
	struct user_patch p = {.version = cur.version, .disabled = -1};
	user_info_done(&cur);
	char password[512];
	if (strcmp(what, "disable") == 0)
		p.disabled = 1;
	else if (strcmp(what, "enable") == 0)
		p.disabled = 0;
	else if (strcmp(what, "unlock") == 0)
		p.unlock = true;
	else {
		if (cli_read_password("New password: ", from_stdin, true, password, sizeof password) < 0) {
			fprintf(stderr, "hartline user passwd: no password read (use --password-stdin when not at a "
					"terminal; the two entries must match)\n");
			return 1;
		}
		p.password = password;
	}
	struct field_errors errs;
	field_errors_init(&errs, 20);
	r = svc_users_update(ctx, id, &p, &errs);
	memset(password, 0, sizeof password);
	if (r == ERR_INVAL) {
		print_errors(what, &errs);
		field_errors_done(&errs);
		return 1;
	}
	field_errors_done(&errs);
	if (r < 0) {
		fprintf(stderr, "hartline user %s: %s\n", what, err_str(r));
		return 1;
	}
	printf("user %s: %s\n", name,
	       strcmp(what, "passwd") == 0 ? "password changed; its sessions ended" :
	       strcmp(what, "disable") == 0 ? "disabled; its sessions ended" :
	       strcmp(what, "enable") == 0 ? "enabled" : "unlocked");
	return 0;
}

struct user_opts {
	const char *db, *key, *pack, *role, *region, *team, *provider, *display, *email, *base;
	int64_t expires;
	bool from_stdin, link_only;
};

#define T struct user_opts
static const struct opt user_table[] = {
	OPT_STRING(T, role, "role", "ROLE", "add: the new user's role (required for add)"),
	OPT_STRING(T, region, "region", "R", "add: the region a liaison serves"),
	OPT_STRING(T, team, "team", "T", "add: the MDT team an mdt user belongs to"),
	OPT_STRING(T, provider, "provider", "P", "add: the agency a provider user works for"),
	OPT_STRING(T, display, "display-name", "TEXT", "add: the name shown (default the username)"),
	OPT_STRING(T, email, "email", "E", "add: where notifications go"),
	OPT_FLAG(T, from_stdin, "password-stdin", "add, passwd: read the password from standard input"),
	OPT_FLAG(T, link_only, "setup-link", "add: no password; print a set-up link for the person instead"),
	OPT_STRING(T, base, "url", "BASE", "add --setup-link, setup-link: the address staff open hartline at"),
	OPT_DURATION(T, expires, "expires", "add --setup-link, setup-link: how long the link works (default 72h)"),
	OPT_DB(T, db),
	OPT_KEY_FILE(T, key),
	OPT_PACK(T, pack),
	OPT_END,
};
#undef T

static int run_user(int argc, char **argv)
{
	struct user_opts o = {0};
	const char *pos[2];
	int npos = 0;
	int r = cli_parse(&cli_user, argc, argv, &o, pos, &npos);
	if (r)
		return cli_exit(r);
	static const char *const subs[] = {"add", "list", "disable", "enable", "unlock", "passwd", "setup-link"};
	const char *sub = npos > 0 ? pos[0] : NULL;
	bool known = false;
	for (size_t i = 0; sub && i < sizeof subs / sizeof subs[0]; i++)
		known = known || strcmp(sub, subs[i]) == 0;
	if (!sub)
		return cli_misuse(&cli_user, "which one? See below");
	if (!known)
		return cli_misuse(&cli_user, "there is no subcommand '%s'", sub);
	bool needs_name = strcmp(sub, "list") != 0;
	if (npos != (needs_name ? 2 : 1))
		return cli_misuse(&cli_user, "%s %s", sub, needs_name ? "needs the user's NAME" : "takes no NAME");
	if (strcmp(sub, "add") == 0 && !o.role)
		return cli_misuse(&cli_user, "add: --role is required: add --role ROLE");
	if ((o.region != NULL) + (o.team != NULL) + (o.provider != NULL) > 1)
		return cli_misuse(&cli_user, "give at most one of --region, --team, --provider");
	if (o.link_only && o.from_stdin)
		return cli_misuse(&cli_user, "--setup-link and --password-stdin exclude each other: give one");
	struct app app;
	if (cli_open_app(&app, o.db, o.pack, o.key))
		return 1;
	app.setup_ttl = o.expires;
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	const char *scope = o.region ? o.region : o.team ? o.team : o.provider;
	if (strcmp(sub, "add") == 0)
		r = user_add(&ctx, pos[1], o.role, scope, o.display, o.email, o.from_stdin, o.link_only, o.base);
	else if (strcmp(sub, "list") == 0)
		r = user_list(&ctx);
	else if (strcmp(sub, "setup-link") == 0)
		r = user_setup_link(&ctx, pos[1], o.base);
	else
		r = user_change(&ctx, sub, pos[1], o.from_stdin);
	app_close(&app);
	return r;
}

/* One demo user per role; the liaison, MDT member and provider staff are
 * scoped to the pack's first region, its demo team and a demo provider of
 * it (demo_scope). */
static const struct {
	const char *username, *role, *display_name;
} demo_users[] = {
	{"demo-careline", "careline", "Demo Hotline Worker"},
	{"demo-hart", "hart", "Demo HART Coordinator"},
	{"demo-liaison", "liaison", "Demo Regional Liaison"},
	{"demo-mdt", "mdt", "Demo MDT Member"},
	{"demo-provider", "provider", "Demo Provider Staff"},
	{"demo-trainer", "trainer", "Demo Trainer"},
	{"demo-analyst", "analyst", "Demo Analyst"},
	{"demo-admin", "admin", "Demo Administrator"},
};

/* The scope of a demo user of role, in out; NULL for a role without one. */
static const char *demo_scope(const struct pack *p, const char *role, char *out, size_t size)
{
	if (strcmp(role, "liaison") == 0)
		snprintf(out, size, "%s", demo_region_id(p, 0));
	else if (strcmp(role, "mdt") == 0)
		demo_team_code(p, 0, out, size);
	else if (strcmp(role, "provider") == 0)
		demo_provider_code(DEMO_PROVIDER_STEM, demo_region_id(p, 0), out, size);
	else
		return NULL;
	return out;
}

/* A password of four random words from a fixed list and two digits: easy
 * to type at a demo, far from the common-password list. */
static void demo_password(char *out, size_t size)
{
	static const char *words[] = {"amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor",
				      "indigo", "juniper", "kestrel", "lantern", "meadow", "nectar", "orchid",
				      "pebble", "quartz", "river", "saffron", "timber", "umber", "violet",
				      "willow", "yarrow", "zephyr", "aspen", "basil", "coral", "dune", "flint"};
	size_t nw = sizeof words / sizeof words[0];
	unsigned char r[6];
	crypto_random(r, sizeof r);
	snprintf(out, size, "%s-%s-%s-%s-%02u", words[r[0] % nw], words[r[1] % nw], words[r[2] % nw],
		 words[r[3] % nw], (unsigned)(r[4] % 100));
}

/* "rivera-lopez" -> "Rivera-Lopez", "mary ann" -> "Mary Ann". */
static void title_case(char *s)
{
	bool start = true;
	for (; *s; s++) {
		if (start && *s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		start = *s == ' ' || *s == '-' || *s == '\'';
	}
}

/* Synthetic children for the demo registry: a few with histories the
 * quick start mentions, and generated ones (docs/generator.md). */
static int demo_persons(struct app *app)
{
	struct actor hart;
	actor_cli(&hart);
	hart.role = ROLE_HART; /* loading case data is HART's, not the administrator's */
	struct svc_ctx ctx = {.app = app, .actor = &hart, .client = "cli"};
	int64_t have = 0;
	if (svc_persons_count(&ctx, &have) < 0 || have > 0)
		return 0;
	static const char *const kat_aliases[] = {"Kat Jones"};
	const struct pack *pk = app->pack;
	struct person_new known[] = {
		{"Katherine", "Smith", kat_aliases, 1, "2011-03-04", -1, "F", demo_town(pk, 3, 0, 3), true},
		{"Jasmine", "Rivera-Lopez", NULL, 0, "2010-07-19", -1, "F", demo_town(pk, 1, 1, 6), true},
		{"Tyler", "O'Brien", NULL, 0, NULL, 15, "M", demo_town(pk, 4, 2, 8), true},
	};
	/* The generated children live in the pack's towns. */
	size_t n_towns = 0;
	for (size_t i = 0; i < pk->n_regions; i++)
		for (size_t j = 0; j < pk->regions[i].n_offices; j++)
			n_towns += pk->regions[i].offices[j].n_towns;
	const char **towns = calloc(n_towns ? n_towns : 1, sizeof *towns);
	if (!towns)
		return 1;
	n_towns = 0;
	for (size_t i = 0; i < pk->n_regions; i++)
		for (size_t j = 0; j < pk->regions[i].n_offices; j++)
			for (size_t t = 0; t < pk->regions[i].offices[j].n_towns; t++)
				towns[n_towns++] = pk->regions[i].offices[j].towns[t];
	struct gen_config gc;
	gen_config_defaults(&gc);
	gc.seed = 2026;
	gc.originals = 2000;
	gc.records = 2000;
	gc.towns = towns;
	gc.n_towns = n_towns;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int gr = mem ? gen_write(mem, &gc, NULL, NULL) : ERR_NOMEM;
	free(towns);
	if (gr < 0) {
		if (mem)
			fclose(mem);
		free(text);
		return 1;
	}
	fclose(mem);
	struct csv_reader *r;
	if (csv_open_buffer("generated", text, len, &r) < 0) {
		free(text);
		return 1;
	}
	size_t cap = gc.records + 3, n = 0;
	struct person_new *p = calloc(cap, sizeof *p);
	char **keep = calloc(cap * 5, sizeof *keep);
	struct csv_row row;
	csv_next(r, 0, &row);
	size_t ncols = row.n;
	for (size_t i = 0; i < 3; i++)
		p[n++] = known[i];
	/* rec_id,given_name,family_name,dob,age,sex,town,... */
	while (n < cap && csv_next(r, ncols, &row) == 1) {
		size_t k = n * 5;
		for (int c = 0; c < 5; c++) {
			keep[k + (size_t)c] = strdup(row.fields[1 + (c < 2 ? c : c == 2 ? 2 : c == 3 ? 4 : 5)]);
			if (keep[k + (size_t)c] && c < 2) /* names; towns are the pack's, as written */
				title_case(keep[k + (size_t)c]);
		}
		p[n].given_name = keep[k];
		p[n].family_name = keep[k + 1];
		p[n].dob = *keep[k + 2] ? keep[k + 2] : NULL;
		p[n].sex = keep[k + 3];
		p[n].town = keep[k + 4];
		int64_t age = -1;
		if (!p[n].dob && *row.fields[4])
			str_to_int64(row.fields[4], 0, 25, &age);
		p[n].estimated_age = (int)age;
		p[n].synthetic = true;
		n++;
	}
	csv_close(r);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int rc = svc_persons_add(&ctx, p, n, &errs, NULL);
	if (rc < 0)
		print_errors("demo", &errs);
	field_errors_done(&errs);
	for (size_t i = 0; i < cap * 5; i++)
		free(keep[i]);
	free(keep);
	free(p);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "hartline demo: cannot record the synthetic children: %s\n", err_str(rc));
		return 1;
	}
	printf("  %zu synthetic children recorded (try \"Katie Smyth, about 15\").\n", n);
	return 0;
}

/* ---- the HART response: teams, contacts and a few cases ---- */

#define DEMO_MINUTE (60 * HL_USEC_PER_SEC)

/* A time `minutes` before now (after, when negative), RFC 3339. */
static const char *demo_ago(char *out, size_t size, int64_t minutes)
{
	if (time_format(now() - minutes * DEMO_MINUTE, out, size) < 0)
		out[0] = '\0';
	return out;
}

/* One service call's outcome: prints what went wrong; body is released. */
static int demo_step(const char *what, int r, struct field_errors *errs, json_t *body)
{
	json_decref(body);
	if (r < 0) {
		print_errors(what, errs);
		fprintf(stderr, "hartline demo: %s: %s\n", what, err_str(r));
	}
	field_errors_done(errs);
	field_errors_init(errs, 10);
	return r;
}

static int demo_case_json(const char *what, int r, struct field_errors *errs, json_t *body, json_t *ret)
{
	json_decref(ret);
	return demo_step(what, r, errs, body);
}

/* Three synthetic children for the demo cases, apart from the registry's
 * children that the quick start and the tests search for. */
static int demo_children(const struct svc_ctx *ctx, int64_t *ret_first)
{
	const struct pack *p = ctx->app->pack;
	struct person_new kids[] = {
		{"Avery", "Democase", NULL, 0, NULL, 16, "F", demo_town(p, 0, 0, 0), true},
		{"Jordan", "Democase", NULL, 0, NULL, 15, "M", demo_town(p, 1, 1, 6), true},
		{"Morgan", "Democase", NULL, 0, NULL, 14, "F", demo_town(p, 0, 1, 4), true},
	};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_persons_add(ctx, kids, 3, &errs, ret_first);
	return demo_step("synthetic children of the demo cases", r, &errs, NULL);
}

static int demo_open_case(const struct svc_ctx *ctx, int64_t person, const char *region, struct case_opened *ret)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf = {0};
	json_t *body = json_pack("{s:I, s:s}", "person_id", (json_int_t)person, "region", region);
	int r = svc_case_open(ctx, body, &errs, &cf, ret);
	json_decref(cf.allowed);
	return demo_step("open a demo case", r, &errs, body);
}

/* PATCH a case with body (its version added). */
static int demo_update(const struct svc_ctx *ctx, const struct case_opened *c, json_t *body)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf = {0};
	json_t *now_case = NULL;
	int r = svc_case_get(ctx, c->id, &now_case);
	if (r == 0) {
		json_object_set(body, "version", json_object_get(now_case, "version"));
		json_decref(now_case);
		now_case = NULL;
		r = svc_case_update(ctx, c->id, body, &errs, &cf, &now_case);
	}
	json_decref(cf.allowed);
	return demo_case_json("update a demo case", r, &errs, body, now_case);
}

static int demo_contacts(const struct svc_ctx *ctx)
{
	/* region: the pack's first (0) or second (1) region, or none (-1). */
	static const struct {
		const char *name, *kind, *title;
		int region;
		unsigned line;
		const char *email;
	} list[] = {
		{"Dana Example", "hart_director", "HART Director (synthetic)", -1, 100, "dana.example@example.org"},
		{"Chris Sample", "hart_coordinator", "HART Coordinator (synthetic)", -1, 101, "chris.sample@example.org"},
		{"Robin Placeholder", "regional_liaison", "Regional HART liaison (synthetic)", 0, 111,
		 "robin.placeholder@example.org"},
		{"Taylor Fictional", "regional_liaison", "Regional HART liaison (synthetic)", 1, 112,
		 "taylor.fictional@example.org"},
		{"Sam Demo", "mdt_coordinator", "MDT coordinator (synthetic)", 0, 121, "sam.demo@example.org"},
		{"Lee Imaginary", "mdt_coordinator", "MDT coordinator (synthetic)", 1, 122, "lee.imaginary@example.org"},
	};
	const struct pack *p = ctx->app->pack;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
		char phone[24];
		demo_phone(p, list[i].line, phone, sizeof phone);
		json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", list[i].name, "kind", list[i].kind, "title",
					 list[i].title, "phone", phone, "email", list[i].email);
		if (list[i].region >= 0)
			json_object_set_new(body, "region", json_string(demo_region_id(p, (size_t)list[i].region)));
		int64_t id;
		if (demo_step("add a demo contact", svc_contact_create(ctx, body, &errs, &id), &errs, body) < 0) {
			field_errors_done(&errs);
			return 1;
		}
	}
	field_errors_done(&errs);
	return 0;
}

static int demo_team(const struct svc_ctx *ctx, const char *code, const char *name, const char *region,
		     int64_t *ret_id)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *body = json_pack("{s:s, s:s, s:s}", "code", code, "name", name, "region", region);
	int r = svc_team_create(ctx, body, &errs, ret_id);
	return demo_step("create a demo team", r, &errs, body);
}

static int demo_member(const struct svc_ctx *ctx, int64_t team, const char *name, const char *agency,
		       const char *role, const char *phone, int64_t user_id, int64_t *ret_id)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	char email[96];
	snprintf(email, sizeof email, "%s@example.org", role);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "agency", agency, "mdt_role", role, "phone",
				 phone, "email", email);
	if (user_id > 0)
		json_object_set_new(body, "user_id", json_integer(user_id));
	int64_t id;
	int r = svc_team_member_add(ctx, team, body, &errs, &id);
	if (r == 0 && ret_id)
		*ret_id = id;
	return demo_step("add a demo team member", r, &errs, body);
}

/* Teams of the pack's first two regions, the contacts, and three cases: one
 * whose law-enforcement report is overdue, one child missing now, one
 * reviewed by the first team with a shared note, a rapid response and an
 * action item.
 * Skipped when a team exists: the demo was loaded before. */
static int demo_buf_write(void *arg, const char *data, size_t n)
{
	return buf_append(arg, data, n);
}

/* Past years for the figures page: 432 synthetic referrals from 2008 to
 * 2015, the size of the presentation's chart, imported as an agency would
 * bring its history. */
static int demo_past_referrals(const struct svc_ctx *ctx)
{
	struct buf csv;
	buf_init(&csv, 0);
	struct import_gen_opts o = {.count = 432, .seed = 2016, .from_year = 2008, .to_year = 2015};
	struct import_report rep = {0};
	int r = import_generate(ctx->app->pack, &o, demo_buf_write, &csv);
	if (r == 0)
		r = svc_import_referrals(ctx, buf_str(&csv), csv.len, "demo-past-years.csv", false, NULL, NULL, &rep);
	if (r == 0 && rep.error_count > 0) {
		fprintf(stderr, "hartline demo: the past years were refused: line %lld, %s: %s\n",
			(long long)rep.errors[0].line, rep.errors[0].column, rep.errors[0].reason);
		r = ERR_INVAL;
	}
	if (r == 0)
		printf("  Demo past years: %lld synthetic referrals from 2008 to 2015 for the figures.\n",
		       (long long)rep.imported);
	else
		fprintf(stderr, "hartline demo: cannot load the past years: %s\n", err_str(r));
	import_report_done(&rep);
	buf_done(&csv);
	return r;
}

/* A team of one region of the demo: code, name and members. */
struct demo_team_of {
	char code[40], name[160], police[160], own[160], hospital[160];
	const char *region;
};

static void demo_team_of(const struct pack *p, size_t ri, struct demo_team_of *t)
{
	demo_team_code(p, ri, t->code, sizeof t->code);
	t->region = demo_region_id(p, ri);
	snprintf(t->name, sizeof t->name, "%s MDT", demo_region_name(p, ri));
	const char *town = demo_town(p, ri, ri, ri ? 6 : 0);
	snprintf(t->police, sizeof t->police, "Police department, %s (synthetic)", town ? town : demo_region_name(p, ri));
	const struct pack_office *o = demo_office(p, ri, 0);
	snprintf(t->own, sizeof t->own, "%s, %s (synthetic)", p->short_name, o ? o->name : demo_region_name(p, ri));
	snprintf(t->hospital, sizeof t->hospital, "Regional hospital (synthetic)");
	for (size_t i = 0; i < p->n_emergency_departments; i++)
		if (p->emergency_departments[i].region && strcmp(p->emergency_departments[i].region, t->region) == 0) {
			snprintf(t->hospital, sizeof t->hospital, "%s (synthetic)", p->emergency_departments[i].name);
			break;
		}
}

/* The demo MDT teams of the pack's first two regions and their members
 * (roles by meaning, the pack's own where it names others); the first
 * team's id in ret_t1 and its first five members' in m. */
static int demo_teams(const struct svc_ctx *ctx, int64_t mdt_user, int64_t *ret_t1, int64_t m[5])
{
	const struct pack *p = ctx->app->pack;
	const struct pack_item *roles = p->mdt_roles;
	size_t nr = p->n_mdt_roles;
	struct demo_team_of a, b;
	demo_team_of(p, 0, &a);
	demo_team_of(p, 1, &b);
	char ph[8][24];
	for (unsigned i = 0; i < 8; i++)
		demo_phone(p, i < 5 ? 131 + i : 141 + (i - 5), ph[i], sizeof ph[i]);
	const char *police = demo_pick(roles, nr, "law_enforcement", NULL, 2);
	int64_t t1, t2;
	if (demo_team(ctx, a.code, a.name, a.region, &t1) < 0 ||
	    demo_member(ctx, t1, "Alex Example", "Prosecutor's office (synthetic)",
			demo_pick(roles, nr, "states_attorney", police, 0), ph[0], 0, &m[0]) < 0 ||
	    demo_member(ctx, t1, "Det. Casey Sample", a.police, police, ph[1], mdt_user, &m[1]) < 0 ||
	    demo_member(ctx, t1, "Jamie Placeholder", a.own, demo_pick(roles, nr, "dcf", police, 1), ph[2], 0,
			&m[2]) < 0 ||
	    demo_member(ctx, t1, "Riley Fictional", "Victim advocacy program (synthetic)",
			demo_pick(roles, nr, "victim_advocate", NULL, 7), ph[3], 0, &m[3]) < 0 ||
	    demo_member(ctx, t1, "Quinn Example", "FBI field office (synthetic)", demo_pick(roles, nr, "fbi", NULL, 8),
			ph[4], 0, &m[4]) < 0 ||
	    (b.region != a.region && demo_team(ctx, b.code, b.name, b.region, &t2) < 0) ||
	    (b.region != a.region && demo_member(ctx, t2, "Drew Sample", b.police, police, ph[5], 0, NULL) < 0) ||
	    (b.region != a.region && demo_member(ctx, t2, "Kai Demo", b.hospital,
						 demo_pick(roles, nr, "health_care", NULL, 3), ph[6], 0, NULL) < 0))
		return ERR_INVAL;
	*ret_t1 = t1;
	return 0;
}

/* The first team held a review of held_case a day ago, with an action item, and
 * has next_case up the day after tomorrow. */
static int demo_reviews(const struct svc_ctx *ctx, int64_t t1, const int64_t m[5], int64_t held_case,
			int64_t next_case, struct field_errors *errs)
{
	char t_a[32], t_b[32];
	json_t *ret = NULL, *body;
	int64_t review;
	body = json_pack("{s:I, s:s}", "case_id", (json_int_t)held_case, "scheduled_at",
			 demo_ago(t_a, sizeof t_a, 25 * 60));
	if (demo_step("schedule a demo review", svc_review_create(ctx, t1, body, errs, &review), errs, body) < 0)
		return -1;
	body = json_pack("{s:s, s:s, s:[I, I, I, I], s:s, s:[{s:s, s:s, s:s}]}", "status", "held", "held_at",
			 demo_ago(t_a, sizeof t_a, 24 * 60), "attendees", (json_int_t)m[0], (json_int_t)m[1],
			 (json_int_t)m[2], (json_int_t)m[3], "decisions",
			 "Forensic interview at the child advocacy center; victim advocate to meet Morgan weekly "
			 "(synthetic).",
			 "action_items", "text", "Schedule the forensic interview", "owner", "Det. Casey Sample", "due_at",
			 demo_ago(t_b, sizeof t_b, -2 * 24 * 60));
	int r = svc_review_update(ctx, t1, review, body, errs, &ret);
	if (demo_case_json("hold a demo review", r, errs, body, ret) < 0)
		return -1;
	body = json_pack("{s:I, s:s}", "case_id", (json_int_t)next_case, "scheduled_at",
			 demo_ago(t_a, sizeof t_a, -2 * 24 * 60));
	if (demo_step("schedule a demo review", svc_review_create(ctx, t1, body, errs, &review), errs, body) < 0)
		return -1;
	return 0;
}

static int demo_response(struct app *app)
{
	struct actor hart;
	actor_cli(&hart);
	struct svc_ctx cli = {.app = app, .actor = &hart, .client = "cli"};
	int64_t hart_id = 0, mdt_user = 0;
	if (svc_users_find(&cli, "demo-hart", &hart_id) < 0)
		return 0;
	svc_users_find(&cli, "demo-mdt", &mdt_user);
	/* As the demo HART coordinator, who then owns the duties. */
	hart.user_id = hart_id;
	str_copy(hart.username, sizeof hart.username, "demo-hart");
	hart.role = ROLE_HART;
	struct svc_ctx ctx = {.app = app, .actor = &hart, .client = "cli"};
	json_t *teams = NULL;
	struct page_query one = {.limit = "1"};
	struct field_errors terrs;
	field_errors_init(&terrs, 4);
	int tr = svc_teams_list(&ctx, &one, &terrs, &teams);
	field_errors_done(&terrs);
	if (tr < 0)
		return 1;
	size_t have = json_array_size(json_object_get(teams, "items"));
	json_decref(teams);
	if (have > 0)
		return 0;

	int64_t t1, m[5] = {0};
	if (demo_teams(&ctx, mdt_user, &t1, m) < 0 || demo_contacts(&ctx))
		return 1;

	int64_t kid;
	if (demo_children(&ctx, &kid) < 0)
		return 1;
	char t_a[32], t_b[32];
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf = {0};
	json_t *ret = NULL, *body;
	int r = 0;

	/* Avery: identified 26 hours ago, not reported to law enforcement. */
	struct case_opened a, b, c;
	const struct pack *p = app->pack;
	if (demo_open_case(&ctx, kid, demo_region_id(p, 0), &a) < 0 ||
	    demo_update(&ctx, &a, json_pack("{s:s, s:s, s:s}", "status", "response", "victim_status", "suspected",
					     "identified_at", demo_ago(t_a, sizeof t_a, 26 * 60))) < 0 ||
	    demo_update(&ctx, &a, json_pack("{s:s}", "trafficking_type", "third_party")) < 0)
		goto fail;

	/* Jordan: missing since this morning; both reports still due. */
	if (demo_open_case(&ctx, kid + 1, demo_region_id(p, 1), &b) < 0 ||
	    demo_update(&ctx, &b, json_pack("{s:s, s:s}", "victim_status", "at_risk", "status", "response")) < 0)
		goto fail;
	body = json_pack("{s:s, s:s, s:s}", "last_seen_at", demo_ago(t_a, sizeof t_a, 5 * 60), "learned_at",
			 demo_ago(t_b, sizeof t_b, 4 * 60), "circumstances",
			 "Did not return to the group home after school (synthetic).");
	r = svc_missing_start(&ctx, b.id, body, &errs, &cf, &ret);
	if (demo_case_json("start a demo missing episode", r, &errs, body, ret) < 0)
		goto fail;
	ret = NULL;

	/* Morgan: reported on time, a rapid response, a shared note, and a
	 * review held by the first team with an action item. */
	if (demo_open_case(&ctx, kid + 2, demo_region_id(p, 0), &c) < 0 ||
	    demo_update(&ctx, &c, json_pack("{s:s, s:s, s:s}", "status", "response", "victim_status", "confirmed",
					     "identified_at", demo_ago(t_a, sizeof t_a, 3 * 24 * 60))) < 0)
		goto fail;
	char police[160];
	const char *town = demo_town(p, 0, 1, 4);
	snprintf(police, sizeof police, "Police department, %s (synthetic)", town ? town : demo_region_name(p, 0));
	body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "law_enforcement", "agency", police, "officer",
			 "Officer Example", "reference", "PD-DEMO-0042", "reported_at",
			 demo_ago(t_a, sizeof t_a, 3 * 24 * 60 - 5 * 60));
	r = svc_case_report(&ctx, c.id, body, &errs, &cf, &ret);
	if (demo_case_json("record a demo report", r, &errs, body, ret) < 0)
		goto fail;
	ret = NULL;
	body = json_pack("{s:s, s:s}", "requested_at", demo_ago(t_a, sizeof t_a, 3 * 24 * 60 - 10), "responder",
			 "Pat Responder (synthetic)");
	r = svc_rapid_request(&ctx, c.id, body, &errs, &cf, &ret);
	int64_t rid = r == 0 ? json_integer_value(json_object_get(ret, "id")) : 0;
	if (demo_case_json("request a demo rapid response", r, &errs, body, ret) < 0)
		goto fail;
	ret = NULL;
	body = json_pack("{s:s}", "arrived_at", demo_ago(t_a, sizeof t_a, 3 * 24 * 60 - 105));
	r = svc_rapid_arrive(&ctx, c.id, rid, body, &errs, &cf, &ret);
	if (demo_case_json("record a demo arrival", r, &errs, body, ret) < 0)
		goto fail;
	ret = NULL;
	body = json_pack("{s:s, s:s, s:s, s:b}", "kind", "note", "occurred_at", demo_ago(t_a, sizeof t_a, 2 * 24 * 60),
			 "text", "Morgan is staying with an aunt; school attendance is steady (synthetic).", "shared", 1);
	r = svc_case_event(&ctx, c.id, body, &errs, &cf, &ret);
	if (demo_case_json("add a demo note", r, &errs, body, ret) < 0)
		goto fail;
	ret = NULL;
	if (demo_reviews(&ctx, t1, m, c.id, a.id, &errs) < 0)
		goto fail;
	field_errors_done(&errs);
	json_decref(cf.allowed);
	char code1[40], code2[40];
	demo_team_code(p, 0, code1, sizeof code1);
	demo_team_code(p, 1, code2, sizeof code2);
	printf("  Demo MDT teams %s and %s, contacts, and cases %s, %s and %s.\n", code1, code2, a.number, b.number,
	       c.number);
	if (demo_plans(&ctx, c.id) < 0 || demo_past_referrals(&ctx) < 0 || demo_child_page(&ctx, kid + 2, c.id) < 0 ||
	    demo_referrals(&ctx, (const int64_t[]){a.id, b.id, c.id}, 3) || demo_training(app))
		goto fail;
	return 0;
fail:
	field_errors_done(&errs);
	json_decref(cf.allowed);
	return 1;
}

struct demo_opts {
	const char *db, *key, *pack;
	bool cases;
};

/* --cases: also the HART response (teams, contacts, cases). Not by
 * default: the suites count the registry and the notifications of a demo
 * installation. */
static const struct opt demo_table[] = {
	OPT_DB(struct demo_opts, db),
	OPT_KEY_FILE(struct demo_opts, key),
	OPT_PACK(struct demo_opts, pack),
	OPT_FLAG(struct demo_opts, cases, "cases", "also MDT teams, contacts, cases and past years' referrals"),
	OPT_END,
};

static int run_demo(int argc, char **argv)
{
	struct demo_opts o = {0};
	int r = cli_parse(&cli_demo, argc, argv, &o, NULL, NULL);
	if (r)
		return cli_exit(r);
	const char *db = o.db;
	bool cases = o.cases;
	struct app app;
	if (cli_open_app(&app, db, o.pack, o.key))
		return 1;
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	int created = 0, failed = demo_providers(&app);
	for (size_t i = 0; !failed && i < sizeof demo_users / sizeof demo_users[0]; i++) {
		int64_t id;
		if (svc_users_find(&ctx, demo_users[i].username, &id) == 0)
			continue;
		if (created == 0)
			printf("  Demo users (synthetic; passwords are shown this once):\n\n"
			       "  %-15s %-9s %-22s %s\n", "USERNAME", "ROLE", "SCOPE", "PASSWORD");
		char password[96];
		demo_password(password, sizeof password);
		char email[96], scope[64];
		snprintf(email, sizeof email, "%s@example.org", demo_users[i].username);
		struct user_new u = {
			.username = demo_users[i].username,
			.role = demo_users[i].role,
			.scope = demo_scope(app.pack, demo_users[i].role, scope, sizeof scope),
			.display_name = demo_users[i].display_name,
			.email = email,
			.password = password,
		};
		struct field_errors errs;
		field_errors_init(&errs, 10);
		r = svc_users_create(&ctx, &u, &errs, &id, NULL);
		if (r < 0) {
			print_errors("demo", &errs);
			fprintf(stderr, "hartline demo: cannot create %s: %s\n", u.username, err_str(r));
			failed++;
		} else {
			printf("  %-15s %-9s %-22s %s\n", u.username, u.role, u.scope ? u.scope : "-", password);
			created++;
		}
		field_errors_done(&errs);
	}
	if (created > 0)
		printf("\n  The careline, hart, liaison, mdt and provider users set up an authenticator app at their\n"
		       "  first login (the page shows a QR code to scan), then give a code from it at every login.\n");
	if (created == 0 && failed == 0)
		printf("  Demo users exist already; their passwords were shown when they were created.\n"
		       "  Set a new one with: hartline user passwd demo-admin --db %s\n",
		       cli_db_url(db));
	if (!failed && demo_persons(&app))
		failed++;
	if (!failed && cases && demo_response(&app))
		failed++;
	app_close(&app);
	return failed ? 1 : 0;
}

const struct cli_command cli_user = {
	.name = "user", .opts = user_table, .max_args = 2, .run = run_user,
	.args = "add NAME | list | disable NAME | enable NAME | unlock NAME | passwd NAME | setup-link NAME",
	.summary = "manage the people who may log in",
};

const struct cli_command cli_demo = {
	.name = "demo", .opts = demo_table, .run = run_demo,
	.summary = "create one demo user per role and print their passwords once (--cases: teams and cases too)",
};
