/* cmp: string, phonetic and date comparators for identity resolution.
 *
 * All take normalised ASCII (norm.h) unless said otherwise and are safe on
 * empty strings and long input (strings longer than CMP_MAX_LEN are
 * compared on their first CMP_MAX_LEN bytes). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMP_MAX_LEN 64

/* Jaro-Winkler similarity in [0, 1]: 1 for equal strings, 0 when either
 * is empty (two empty strings: 0 too; callers treat empty as missing).
 * Winkler's prefix bonus: up to 4 characters, scale 0.1, applied when the
 * Jaro similarity is above 0.7. */
double cmp_jaro_winkler(const char *a, const char *b);

/* Damerau-Levenshtein distance (optimal string alignment: insertions,
 * deletions, substitutions and transpositions of adjacent characters, each
 * cost 1), bit-parallel (Hyyro 2003) for strings of up to 64 bytes. */
int cmp_damerau_levenshtein(const char *a, const char *b);

/* The same, stopping early: returns max + 1 when the distance is above max
 * (a max below 0 counts as 0). */
int cmp_damerau_levenshtein_max(const char *a, const char *b, int max);

/* A phonetic key for an English-language name (a refined Soundex/NYSIIS-
 * style code written for this project): "katherine", "catherine",
 * "kathryn" share one; "smith", "smyth", "smithe" share one. At most
 * CMP_PHONETIC_MAX - 1 upper-case letters; "" for an empty name. Only the
 * letters of name count ("mc donald" is "mcdonald"). The rules are listed
 * in cmp.c. */
#define CMP_PHONETIC_MAX 8
void cmp_phonetic(const char *name, char out[CMP_PHONETIC_MAX]);

/* A date in the proleptic Gregorian calendar, years 1 to 9999. A date
 * whose year is known but whose month or day is 0 compares on its year. */
struct cmp_date {
	int y, m, d; /* 0 = unknown */
};

/* Parse "YYYYMMDD" or "YYYY-MM-DD" (or another strptime-like format of
 * %Y, %m, %d, %% and literal characters); false when not a real date or
 * when anything is left over. %Y is four digits; %m and %d one or two,
 * but two when next to another field ("%Y%m%d"). A NULL or "" format
 * takes either "%Y-%m-%d" or "%Y%m%d". ret is written only on success. */
bool cmp_date_parse(const char *s, const char *format, struct cmp_date *ret);

enum cmp_date_level {
	CMP_DATE_MISSING,   /* either unknown */
	CMP_DATE_EXACT,
	CMP_DATE_SWAPPED,   /* day and month exchanged */
	CMP_DATE_ONE_DIGIT, /* YYYYMMDD differ in one digit, or two adjacent swapped */
	CMP_DATE_NEAR,      /* within 31 days (a typo of a day or month near by) */
	CMP_DATE_SAME_YEAR,
	CMP_DATE_YEARS_1,   /* a year apart */
	CMP_DATE_YEARS_2_5, /* 2 to 5 years apart */
	CMP_DATE_DIFFERENT,
	CMP_DATE_LEVELS
};

/* The first level that holds, in the order above: SWAPPED needs the same
 * year, ONE_DIGIT one differing digit or one adjacent pair swapped in
 * YYYYMMDD, NEAR at most 31 days apart. Symmetric. */
enum cmp_date_level cmp_dates(const struct cmp_date *a, const struct cmp_date *b);

/* A known birth date against an age estimated on a date ("about 15" on
 * 2026-11-28): EXACT when the age at that date is the age given, YEARS_1
 * one year off, YEARS_2_5 two to five, DIFFERENT beyond; MISSING when dob
 * or on is unknown or age is negative. Born on 29 February, a child turns a
 * year older on 1 March in other years. With only the birth year known,
 * either of the two possible ages is EXACT. */
/* Completed years on `on` of someone born on dob (a birthday not yet
 * reached counts one less; born on 29 February, the birthday in other
 * years is 1 March). Both dates valid. */
int cmp_age_on(const struct cmp_date *dob, const struct cmp_date *on);

/* The calendar date of a Unix time in the process's time zone (the
 * server runs in its jurisdiction's zone). */
struct cmp_date cmp_date_local(int64_t unix_seconds);

enum cmp_date_level cmp_date_age(const struct cmp_date *dob, int age, const struct cmp_date *on);

/* Days since 1970-01-01 (negative before); only for valid dates (an
 * invalid one gives 0). */
int64_t cmp_date_days(const struct cmp_date *d);
