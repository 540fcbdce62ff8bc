/* opts: parse a command's argv against its option table, and print its
 * usage from the same table. */
#include "cli/opts.h"

#include <stdarg.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"

int opts_parse_duration(const char *s, int64_t *ret)
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

static int say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes the problem into why; always ERR_INVAL. A problem too long for
 * why is cut short, which still names the option first. */
static int say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(why, size, fmt, ap);
	va_end(ap);
	if (n < 0 && size > 0)
		why[0] = '\0';
	return ERR_INVAL;
}

static const struct opt *find(const struct opt *opts, const char *name, size_t len)
{
	for (const struct opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

/* Store one option's value (NULL for a flag) where its row says; on a
 * wrong value, what was expected (after "--name value: ") into why. */
static int store(const struct opt *o, const char *value, void *out, char *why, size_t size)
{
	char *at = (char *)out + o->offset;
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)at = true;
		return 0;
	case OPT_STRING:
		*(const char **)at = value;
		return 0;
	case OPT_INT:
		if (str_to_int64(value, o->min, o->max, (int64_t *)at) < 0)
			return say(why, size, "expected a whole number from %lld to %lld", (long long)o->min,
				   (long long)o->max);
		return 0;
	case OPT_DURATION:
		if (opts_parse_duration(value, (int64_t *)at) < 0)
			return say(why, size, "expected a length of time such as 90s, 15m, 12h or 2d");
		return 0;
	case OPT_LIST: {
		struct opt_list *l = (struct opt_list *)at;
		if (l->n >= o->max || l->n >= OPT_LIST_MAX)
			return say(why, size, "at most %lld --%s options may be given",
				   (long long)(o->max < OPT_LIST_MAX ? o->max : OPT_LIST_MAX), o->name);
		l->item[l->n++] = value;
		return 0;
	}
	}
	return say(why, size, "not an option this version knows");
}

/* store() for a value typed after --name: the problem names the option. */
static int store_arg(const struct opt *o, const char *value, void *out, char *why, size_t size)
{
	char reason[256];
	if (store(o, value, out, reason, sizeof reason) == 0)
		return 0;
	if (!value)
		return say(why, size, "--%s: %s", o->name, reason);
	return say(why, size, "--%s %s: %s", o->name, value, reason);
}

/* One option at argv[*i], taking its value from "=value" or the next
 * argument. Sets seen[] for the row matched. */
static int one_option(const struct cli_command *cmd, int argc, char **argv, int *i, void *out, bool *seen,
		      char *why, size_t size)
{
	const char *a = argv[*i];
	const char *name = a[1] == '-' ? a + 2 : a + 1;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = a[1] == '-' ? find(cmd->opts, name, len) : NULL;
	if (!o) {
		int shown = eq ? (int)(eq - a) : (int)strlen(a);
		return say(why, size, "there is no option %.*s; the options are listed below", shown, a);
	}
	seen[o - cmd->opts] = true;
	if (o->kind == OPT_FLAG) {
		if (eq)
			return say(why, size, "--%s takes no value: write just --%s", o->name, o->name);
		return store_arg(o, NULL, out, why, size);
	}
	const char *value = eq ? eq + 1 : NULL;
	if (!value && *i + 1 < argc)
		value = argv[++*i];
	if (!value)
		return say(why, size, "--%s needs a value: write --%s %s", o->name, o->name, o->value);
	return store_arg(o, value, out, why, size);
}

/* Whether a required option already holds a value (from a configuration
 * file read before the command line). */
static bool given(const struct opt *o, const void *out)
{
	const char *at = (const char *)out + o->offset;
	return o->kind == OPT_STRING && *(const char *const *)at != NULL;
}

int opts_parse(const struct cli_command *cmd, int argc, char **argv, void *out, const char **args, int *nargs,
	       char *why, size_t why_size)
{
	size_t nopts = 0;
	while (cmd->opts && cmd->opts[nopts].name)
		nopts++;
	bool seen[64] = {false};
	if (nopts > sizeof seen / sizeof seen[0])
		return say(why, why_size, "the command %s declares more options than the parser holds", cmd->name);
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return OPTS_HELP;
		if (a[0] == '-' && a[1] != '\0') {
			int r = one_option(cmd, argc, argv, &i, out, seen, why, why_size);
			if (r < 0)
				return r;
			continue;
		}
		if (n >= cmd->max_args)
			return say(why, why_size, "unexpected argument '%s'", a);
		args[n++] = a;
	}
	for (size_t k = 0; k < nopts; k++)
		if (cmd->opts[k].required && !seen[k] && !given(&cmd->opts[k], out))
			return say(why, why_size, "--%s is required: add --%s %s", cmd->opts[k].name, cmd->opts[k].name,
				   cmd->opts[k].value ? cmd->opts[k].value : "");
	if (nargs)
		*nargs = n;
	return 0;
}

void opts_help_tail(const struct opt *o, char *out, size_t size)
{
	int n;
	if (o->kind == OPT_INT && o->max == INT64_MAX)
		n = snprintf(out, size, "; %lld or more", (long long)o->min);
	else if (o->kind == OPT_INT)
		n = snprintf(out, size, "; %lld to %lld", (long long)o->min, (long long)o->max);
	else if (o->kind == OPT_DURATION)
		n = snprintf(out, size, "; such as 90s, 15m, 12h or 2d");
	else
		n = snprintf(out, size, "%s", "");
	if (n >= 0 && (size_t)n < size && o->required)
		n = snprintf(out + n, size - (size_t)n, "; required");
	if (n < 0 && size > 0)
		out[0] = '\0';
}

/* "--name VALUE" (with "..." when it repeats) into out. */
static void option_synopsis(const struct opt *o, char *out, size_t size)
{
	if (snprintf(out, size, "--%s%s%s%s", o->name, o->value ? " " : "", o->value ? o->value : "",
		     o->kind == OPT_LIST ? "..." : "") < 0 && size > 0)
		out[0] = '\0';
}

static void usage_one(const struct cli_command *cmd, FILE *f)
{
	char syn[96];
	bool optional = false;
	size_t width = 0;
	fprintf(f, "usage: hartline %s%s%s", cmd->name, cmd->args && cmd->args[0] ? " " : "", cmd->args ? cmd->args : "");
	for (const struct opt *o = cmd->opts; o && o->name; o++) {
		option_synopsis(o, syn, sizeof syn);
		if (strlen(syn) > width)
			width = strlen(syn);
		if (o->required)
			fprintf(f, " %s", syn);
		else
			optional = true;
	}
	fprintf(f, "%s\n  %s\n", optional ? " [OPTIONS]" : "", cmd->summary);
	if (!cmd->opts || !cmd->opts[0].name)
		return;
	fprintf(f, "\noptions:\n");
	for (const struct opt *o = cmd->opts; o->name; o++) {
		option_synopsis(o, syn, sizeof syn);
		char tail[96];
		opts_help_tail(o, tail, sizeof tail);
		fprintf(f, "  %-*s  %s%s\n", (int)width, syn, o->help, tail);
	}
}

void opts_usage(const struct cli_command *cmd, FILE *f)
{
	if (!cmd->subs) {
		usage_one(cmd, f);
		return;
	}
	fprintf(f, "hartline %s: %s\n", cmd->name, cmd->summary);
	for (const struct cli_command *const *s = cmd->subs; *s; s++) {
		fputc('\n', f);
		usage_one(*s, f);
	}
}

const char *opts_peek(int argc, char **argv, const char *name)
{
	size_t len = strlen(name);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] != '-' || strncmp(a + 2, name, len) != 0)
			continue;
		if (a[2 + len] == '=')
			return a + 3 + len;
		if (a[2 + len] == '\0' && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* A flag's value in a file: on or off. */
static int flag_value(const char *v, bool *ret)
{
	static const char *const on[] = {"true", "yes", "on", "1"}, *const off[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, on[i]) == 0 || strcmp(v, off[i]) == 0) {
			*ret = strcmp(v, on[i]) == 0;
			return 0;
		}
	}
	return ERR_INVAL;
}

/* One `name = value` line (trimmed, not a comment) into out. */
static int config_line(const struct cli_command *cmd, const char *file, int lineno, char *line, void *out,
		       char *why, size_t size)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return say(why, size, "%s, line %d: expected a setting as NAME = VALUE, such as listen = 127.0.0.1:8080",
			   file, lineno);
	*eq = '\0';
	char *name = trim(line), *value = trim(eq + 1);
	size_t vn = strlen(value);
	if (vn >= 2 && value[0] == '"' && value[vn - 1] == '"') {
		value[vn - 1] = '\0';
		value++;
	}
	if (name[0] == '-' && name[1] == '-')
		name += 2;
	const struct opt *o = find(cmd->opts, name, strlen(name));
	if (!o || strcmp(name, "config") == 0)
		return say(why, size, "%s, line %d: there is no setting '%s'; the settings are the options of "
			   "`hartline %s --help`, without the dashes", file, lineno, name, cmd->name);
	if (o->kind == OPT_FLAG) {
		bool on;
		if (flag_value(value, &on) < 0)
			return say(why, size, "%s, line %d: %s = %s: write %s = true or %s = false", file, lineno,
				   name, value, name, name);
		*(bool *)((char *)out + o->offset) = on;
		return 0;
	}
	if (!*value)
		return say(why, size, "%s, line %d: %s has no value: write %s = %s", file, lineno, name, name, o->value);
	char reason[256];
	if (store(o, value, out, reason, sizeof reason) < 0)
		return say(why, size, "%s, line %d: %s = %s: %s", file, lineno, name, value, reason);
	return 0;
}

int opts_parse_config(const struct cli_command *cmd, const char *file, char *text, void *out, char *why,
		      size_t why_size)
{
	int lineno = 0;
	for (char *line = text; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *t = trim(line);
		if (*t && *t != '#') {
			int r = config_line(cmd, file, lineno, t, out, why, why_size);
			if (r < 0)
				return r;
		}
		line = next;
	}
	return 0;
}
