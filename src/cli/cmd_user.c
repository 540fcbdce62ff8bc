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
#include "service/app.h"
#include "service/persons.h"
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

int cli_parse_duration(const char *s, int64_t *ret)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 20)
		return ERR_INVAL;
	char num[24];
	memcpy(num, s, n - 1);
	num[n - 1] = '\0';
	int64_t v, unit;
	switch (s[n - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return ERR_INVAL;
	}
	if (str_to_int64(num, 1, 366 * 86400 / unit, &v) < 0)
		return ERR_INVAL;
	*ret = v * unit * 1000000;
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

static int user_add(struct svc_ctx *ctx, const char *name, const char *role, const char *scope,
		    const char *display_name, const char *email, bool from_stdin)
{
	char password[512];
	if (cli_read_password("Password for the new user: ", from_stdin, true, password, sizeof password) < 0) {
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
		.password = password,
	};
	struct field_errors errs;
	field_errors_init(&errs, 20);
	int64_t id;
	int r = svc_users_create(ctx, &u, &errs, &id);
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
	return 0;
}

static int user_list(struct svc_ctx *ctx)
{
	struct user_info *users;
	size_t n;
	int r = svc_users_list(ctx, &users, &n);
	if (r < 0) {
		fprintf(stderr, "hartline user list: %s\n", err_str(r));
		return 1;
	}
	printf("%-20s %-9s %-14s %-9s %s\n", "USERNAME", "ROLE", "SCOPE", "STATUS", "NAME");
	for (size_t i = 0; i < n; i++)
		printf("%-20s %-9s %-14s %-9s %s\n", users[i].username, role_name(users[i].role),
		       users[i].scope[0] ? users[i].scope : "-",
		       users[i].disabled ? "disabled" : users[i].locked ? "locked" : "active",
		       users[i].display_name ? users[i].display_name : "");
	user_infos_free(users, n);
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

int cmd_user(int argc, char **argv)
{
	const char *db = NULL, *key = NULL, *role = NULL, *region = NULL, *team = NULL, *provider = NULL;
	const char *display = NULL, *email = NULL;
	bool from_stdin = false;
	const struct cli_opt opts[] = {
		{"--db", &db, NULL},
		{"--key-file", &key, NULL},
		{"--role", &role, NULL},
		{"--region", &region, NULL},
		{"--team", &team, NULL},
		{"--provider", &provider, NULL},
		{"--display-name", &display, NULL},
		{"--email", &email, NULL},
		{"--password-stdin", NULL, &from_stdin},
		{0},
	};
	const char *pos[2];
	int npos = 0;
	int r = cli_parse(argc, argv, opts, pos, 2, &npos);
	if (r)
		return r;
	const char *sub = npos > 0 ? pos[0] : NULL;
	bool needs_name = sub && strcmp(sub, "list") != 0;
	bool known = sub && (strcmp(sub, "add") == 0 || strcmp(sub, "list") == 0 || strcmp(sub, "disable") == 0 ||
			     strcmp(sub, "enable") == 0 || strcmp(sub, "unlock") == 0 || strcmp(sub, "passwd") == 0);
	int scopes = (region != NULL) + (team != NULL) + (provider != NULL);
	if (!known || (needs_name && npos != 2) || (!needs_name && npos != 1) || scopes > 1 ||
	    (strcmp(sub, "add") == 0 && !role)) {
		if (known && strcmp(sub, "add") == 0 && !role)
			fprintf(stderr, "hartline user add: --role is required\n");
		if (scopes > 1)
			fprintf(stderr, "hartline user: give at most one of --region, --team, --provider\n");
		cli_usage("user", stderr);
		return EXIT_USAGE;
	}
	struct app app;
	if (cli_open_app(&app, db, NULL, key))
		return 1;
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	const char *scope = region ? region : team ? team : provider;
	if (strcmp(sub, "add") == 0)
		r = user_add(&ctx, pos[1], role, scope, display, email, from_stdin);
	else if (strcmp(sub, "list") == 0)
		r = user_list(&ctx);
	else
		r = user_change(&ctx, sub, pos[1], from_stdin);
	app_close(&app);
	return r;
}

/* One demo user per role; the scopes name the pack's first region and
 * demo team and agency ids. */
static const struct {
	const char *username, *role, *scope, *display_name;
} demo_users[] = {
	{"demo-careline", "careline", NULL, "Demo Careline Worker"},
	{"demo-hart", "hart", NULL, "Demo HART Coordinator"},
	{"demo-liaison", "liaison", "R1", "Demo Regional Liaison"},
	{"demo-mdt", "mdt", "mdt-r1", "Demo MDT Member"},
	{"demo-provider", "provider", "demo-agency", "Demo Provider Staff"},
	{"demo-trainer", "trainer", NULL, "Demo Trainer"},
	{"demo-analyst", "analyst", NULL, "Demo Analyst"},
	{"demo-admin", "admin", NULL, "Demo Administrator"},
};

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

/* "rivera-lopez" -> "Rivera-Lopez", "new haven" -> "New Haven". */
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
	struct person_new known[] = {
		{"Katherine", "Smith", kat_aliases, 1, "2011-03-04", -1, "F", "Hartford", true},
		{"Jasmine", "Rivera-Lopez", NULL, 0, "2010-07-19", -1, "F", "New Haven", true},
		{"Tyler", "O'Brien", NULL, 0, NULL, 15, "M", "Waterbury", true},
	};
	struct gen_config gc;
	gen_config_defaults(&gc);
	gc.seed = 2026;
	gc.originals = 2000;
	gc.records = 2000;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem || gen_write(mem, &gc, NULL, NULL) < 0) {
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
			if (keep[k + (size_t)c] && c != 2 && c != 3)
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

int cmd_demo(int argc, char **argv)
{
	const char *db = NULL, *key = NULL;
	const struct cli_opt opts[] = {{"--db", &db, NULL}, {"--key-file", &key, NULL}, {0}};
	int r = cli_parse(argc, argv, opts, NULL, 0, NULL);
	if (r)
		return r;
	struct app app;
	if (cli_open_app(&app, db, NULL, key))
		return 1;
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	int created = 0, failed = 0;
	for (size_t i = 0; i < sizeof demo_users / sizeof demo_users[0]; i++) {
		int64_t id;
		if (svc_users_find(&ctx, demo_users[i].username, &id) == 0)
			continue;
		if (created == 0)
			printf("  Demo users (synthetic; passwords are shown this once):\n\n"
			       "  %-15s %-9s %-12s %s\n", "USERNAME", "ROLE", "SCOPE", "PASSWORD");
		char password[96];
		demo_password(password, sizeof password);
		char email[96];
		snprintf(email, sizeof email, "%s@example.org", demo_users[i].username);
		struct user_new u = {
			.username = demo_users[i].username,
			.role = demo_users[i].role,
			.scope = demo_users[i].scope,
			.display_name = demo_users[i].display_name,
			.email = email,
			.password = password,
		};
		struct field_errors errs;
		field_errors_init(&errs, 10);
		r = svc_users_create(&ctx, &u, &errs, &id);
		if (r < 0) {
			print_errors("demo", &errs);
			fprintf(stderr, "hartline demo: cannot create %s: %s\n", u.username, err_str(r));
			failed++;
		} else {
			printf("  %-15s %-9s %-12s %s\n", u.username, u.role, u.scope ? u.scope : "-", password);
			created++;
		}
		field_errors_done(&errs);
	}
	if (created == 0 && failed == 0)
		printf("  Demo users exist already; their passwords were shown when they were created.\n"
		       "  Set a new one with: hartline user passwd demo-admin --db %s\n",
		       cli_db_url(db));
	if (!failed && demo_persons(&app))
		failed++;
	app_close(&app);
	return failed ? 1 : 0;
}
