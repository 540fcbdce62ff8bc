#!/usr/bin/env python3
"""welfare_gen: a second generator of synthetic child-welfare person files.

It writes a file in which the same child appears several times, as the
records of different intake workers would show her, with the true cluster
of every record. It is written apart from `hartline match generate`
(src/match/gen.c) and from another model of how records go wrong, so that
identity resolution is never scored only on its own assumptions. See
docs/generator.md, "The second generator".

    python3 bench/match/welfare_gen.py --people 12000 --seed 3 --out welfare.csv

Standard library only. Every name is synthetic (made-up towns and streets;
common given names and surnames are no one's identity). The nickname
relations are read from ../shared/data/nicknames/names.csv or, failing
that, the project's data/nicknames/names.csv.
"""

import argparse
import csv
import os
import random
import sys

GIRLS = """olivia emma ava sophia isabella mia amelia harper evelyn abigail emily
elizabeth sofia avery ella scarlett grace chloe victoria riley aria lily
aubrey zoey penelope lillian addison layla natalie camila hannah brooklyn
zoe nora leah savannah audrey claire eleanor skylar ellie samantha stella
paisley violet mila allison alexa anna hazel aaliyah ariana lucy caroline
sarah genesis kennedy sadie gabriella madelyn adeline maya autumn aurora
piper hailey arianna kaylee ruby serenity eva naomi nevaeh alice luna
bella quinn lydia peyton melanie kylie aubree mackenzie katherine jessica
jennifer rebecca margaret catherine susan deborah patricia barbara
christina theresa kimberly jacqueline alexandra veronica josephine""".split()

BOYS = """liam noah william james oliver benjamin elijah lucas mason logan
alexander ethan jacob michael daniel henry jackson sebastian aiden matthew
samuel david joseph carter owen wyatt john jack luke jayden dylan grayson
levi isaac gabriel julian mateo anthony jaxon lincoln joshua christopher
andrew theodore caleb ryan asher nathan thomas leo isaiah charles josiah
hudson christian hunter connor eli ezra aaron landon adrian jonathan nolan
jeremiah easton elias colton cameron carson robert angel maverick nicholas
dominic jaxson greyson adam ian austin santiago jordan cooper brayden
roman evan ezekiel xavier jose jace jameson leonardo bryson axel everett
parker kayden miles sawyer jason edward richard timothy patrick kenneth
frederick zachary raymond gregory""".split()

SURNAMES = """smith johnson williams brown jones garcia miller davis rodriguez
martinez hernandez lopez gonzalez wilson anderson thomas taylor moore
jackson martin lee perez thompson white harris sanchez clark ramirez lewis
robinson walker young allen king wright scott torres nguyen hill flores
green adams nelson baker hall rivera campbell mitchell carter roberts
gomez phillips evans turner diaz parker cruz edwards collins reyes stewart
morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson
bailey reed kelly howard ramos kim cox ward richardson watson brooks
chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo
sanders patel myers long ross foster jimenez powell jenkins perry russell
sullivan bell coleman butler henderson barnes fisher vasquez simmons
romero jordan patterson alexander hamilton graham reynolds griffin wallace
moreno west cole hayes bryant herrera gibson ellis tran medina aguilar
stevens murray ford castro marshall owens harrison fernandez mcdonald
woods washington kennedy wells vargas henry chen freeman webb tucker guzman
burns crawford olson simpson porter hunter gordon mendez silva shaw snyder
mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd
rose stone salazar fox warren mills meyer rice schmidt garza daniels
ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley
spencer hawkins arnold pierce hansen peters santos hart bradley knight
elliott cunningham duncan armstrong hudson carroll lane riley andrews
ray berry perkins hoffman johnston matthews pena richards willis carpenter
lawrence sandoval mccarthy oconnor fitzgerald obrien macdonald""".split()

# Made-up places: a town, its postcodes and its streets.
TOWNS = """ashbury brackenfield coldharbour dunmere elmstead fallowby greywater
hollin ironbridge juniper kestrelton larkhill marrowdale northwick oakhollow
pennycross quarrington rookwood saltmarsh thornbury underhill valebrook
westerleigh yarrowby amberley blackmoor cinderford dewhurst eastmoor
fernhill goldcrest harrowgate ivybridge kingsmead lowerby millbrook
netherfield orchardleigh pinewood redcliffe stonehaven""".split()

STREETS = """acacia alder birch cedar chestnut clover elm fern hawthorn hazel
heather holly laurel linden maple meadow mill oak orchard poplar primrose
quarry rowan spring station sycamore willow yew beacon bridge castle church
forge garden grove harbour highfield kings market park queens school""".split()

STREET_TYPES = ["street", "road", "lane", "avenue", "close", "drive", "way", "court"]

# Respellings that keep the sound: a name is heard and written again.
SOUND = [("ph", "f"), ("f", "ph"), ("ck", "k"), ("k", "ck"), ("c", "k"), ("k", "c"),
         ("ie", "y"), ("y", "ie"), ("ey", "y"), ("y", "ey"), ("i", "y"), ("y", "i"),
         ("ee", "ea"), ("ea", "ee"), ("ai", "ay"), ("ay", "ai"), ("ou", "ow"),
         ("s", "z"), ("z", "s"), ("th", "t"), ("ll", "l"), ("l", "ll"), ("nn", "n"),
         ("n", "nn"), ("tt", "t"), ("t", "tt"), ("rr", "r"), ("mc", "mac"),
         ("mac", "mc"), ("son", "sen"), ("sen", "son"), ("er", "ar"), ("ah", "a"),
         ("a", "ah"), ("ine", "ene"), ("lyn", "lin"), ("lin", "lyn"), ("x", "ks"),
         ("qu", "kw"), ("ch", "tch"), ("ei", "ie"), ("ie", "ei"), ("o", "oe")]

KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def neighbours(ch):
    for r, row in enumerate(KEYBOARD):
        c = row.find(ch)
        if c < 0:
            continue
        near = []
        for dr in (-1, 0, 1):
            rr = r + dr
            if 0 <= rr < len(KEYBOARD):
                for dc in (-1, 0, 1):
                    cc = c + dc
                    if (dr or dc) and 0 <= cc < len(KEYBOARD[rr]):
                        near.append(KEYBOARD[rr][cc])
        return near
    return [ch]


def load_nicknames():
    here = os.path.dirname(os.path.abspath(__file__))
    for p in (os.path.join(here, "..", "..", "..", "shared", "data", "nicknames", "names.csv"),
              os.path.join(here, "..", "..", "data", "nicknames", "names.csv")):
        if os.path.exists(p):
            nick = {}
            with open(p, newline="") as f:
                for row in csv.DictReader(f):
                    if row.get("relationship") == "has_nickname":
                        nick.setdefault(row["name1"], []).append(row["name2"])
            return nick
    return {}


class Gen:
    def __init__(self, seed, nick, as_of_year):
        self.r = random.Random(seed)
        self.nick = nick
        self.year = as_of_year
        self.towns = []
        for i, t in enumerate(TOWNS):
            base = 2000 + 37 * i
            self.towns.append((t, [str(base + k) for k in range(1 + i % 3)]))

    # ---- drawing people ----
    def zipf(self, items, s=1.0, q=2.0):
        """A popular head: rank r weighs 1 / (r + q)^s."""
        key = (id(items), s, q)
        cum = getattr(self, "_cum", {}).get(key)
        if cum is None:
            cum, t = [], 0.0
            for r in range(len(items)):
                t += 1.0 / (r + q) ** s
                cum.append(t)
            self.__dict__.setdefault("_cum", {})[key] = cum
        x = self.r.random() * cum[-1]
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return items[lo]

    def given(self, sex, avoid=()):
        for _ in range(50):
            g = self.zipf(GIRLS if sex == "F" else BOYS, 1.1, 3.0)
            if g not in avoid and not any(self.related(g, a) for a in avoid):
                return g
        return g

    def related(self, a, b):
        """Nicknames of one another, or of a common name."""
        na = set(self.nick.get(a, [])) | {a}
        nb = set(self.nick.get(b, [])) | {b}
        return bool(na & nb)

    def place(self):
        town, codes = self.zipf(self.towns, 1.0, 4.0)
        addr = "%d %s %s" % (self.r.randint(1, 240), self.r.choice(STREETS), self.r.choice(STREET_TYPES))
        return town, self.r.choice(codes), addr

    def birth(self, year=None):
        y = year or self.year - 1 - self.r.randint(0, 17)
        m = self.r.randint(1, 12)
        d = self.r.randint(1, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31)
        return (y, m, d)

    def household(self):
        """A family: one surname, one address, one to four children, twins
        in some; each child a person (a dict)."""
        fam = self.zipf(SURNAMES, 1.05, 2.0)
        town, pc, addr = self.place()
        n = self.r.choice([1, 1, 1, 2, 2, 3, 4])
        kids, names = [], []
        twins = self.r.random() < 0.10
        y0 = self.year - 1 - self.r.randint(0, 14)
        for k in range(n):
            sex = self.r.choice("FM")
            g = self.given(sex, names)
            names.append(g)
            if twins and k == 1:
                dob = kids[0]["dob"]  # the same birth date, another name
            else:
                dob = self.birth(max(self.year - 18, y0 - 2 * k - self.r.randint(0, 1)))
            kids.append({"given": g, "family": fam, "dob": dob, "sex": sex,
                         "town": town, "postcode": pc, "address": addr})
        return kids

    def namesake(self, other):
        """Another child of the same common name, born the same year."""
        town, pc, addr = self.place()
        return {"given": other["given"], "family": other["family"], "sex": other["sex"],
                "dob": self.birth(other["dob"][0]), "town": town, "postcode": pc, "address": addr}

    # ---- how a record goes wrong ----
    def typo(self, s):
        if len(s) < 2:
            return s
        for _ in range(10):
            i = self.r.randrange(len(s))
            op = self.r.random()
            if op < 0.4 and s[i].isalpha():
                t = s[:i] + self.r.choice(neighbours(s[i])) + s[i + 1:]
            elif op < 0.6:
                t = s[:i] + s[i + 1:]
            elif op < 0.8 and i + 1 < len(s):
                t = s[:i] + s[i + 1] + s[i] + s[i + 2:]
            else:
                t = s[:i] + s[i] + s[i:]
            if t != s and t.strip():
                return t
        return s

    def sound(self, s):
        opts = [(a, b) for a, b in SOUND if a in s]
        self.r.shuffle(opts)
        for a, b in opts:
            i = s.find(a)
            t = s[:i] + b + s[i + len(a):]
            if t != s:
                return t
        return s

    def nickname(self, g):
        n = self.nick.get(g)
        return self.r.choice(n) if n else g

    def record(self, p, base):
        """One intake worker's record of person p, started from base (the
        person's own data, or an earlier record of theirs)."""
        r = dict(base)
        R = self.r.random
        if R() < 0.10:  # a new family: the stepfather's name, or both
            new = self.zipf(SURNAMES, 1.05, 2.0)
            if new != p["family"]:
                v = R()
                r["family"] = new if v < 0.4 else p["family"] + "-" + new if v < 0.7 else new + "-" + p["family"]
        if R() < 0.16:
            r["given"] = self.nickname(r["given"])
        if R() < 0.08:
            r["given"] = self.sound(r["given"])
        if R() < 0.07:
            r["family"] = self.sound(r["family"])
        if R() < 0.08:
            r["given"] = self.typo(r["given"])
        if R() < 0.08:
            r["family"] = self.typo(r["family"])
        if R() < 0.04:
            r["given"], r["family"] = r["family"], r["given"]
        y, m, d = r["dob"] if r["dob"] else (0, 0, 0)
        if y:
            v = R()
            if v < 0.06 and d <= 12 and d != m:
                r["dob"] = (y, d, m)
            elif v < 0.11:
                r["dob"] = None
            elif v < 0.15:
                r["dob"] = self.dob_typo((y, m, d))
        if R() < 0.18:  # moved: a new town and address
            r["town"], r["postcode"], r["address"] = self.place()
        elif R() < 0.08:
            r["address"] = self.typo(r["address"])
        for f, p_missing in (("sex", 0.05), ("address", 0.08), ("postcode", 0.06), ("town", 0.03),
                             ("given", 0.01)):
            if R() < p_missing:
                r[f] = ""
        return r

    def dob_typo(self, dob):
        y, m, d = dob
        for _ in range(10):
            v = self.r.random()
            if v < 0.3:
                y2, m2, d2 = y + self.r.choice((-1, 1)), m, d
            elif v < 0.7:
                y2, m2, d2 = y, m, d + self.r.choice((-10, -1, 1, 10))
            else:
                y2, m2, d2 = y, m + self.r.choice((-1, 1)), d
            if 1 <= m2 <= 12 and 1 <= d2 <= 28:
                return (y2, m2, d2)
        return dob


def main():
    ap = argparse.ArgumentParser(description="Write a synthetic child-welfare person file with true clusters.")
    ap.add_argument("--people", type=int, default=10000, help="how many children (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="the same seed writes the same file")
    ap.add_argument("--year", type=int, default=2026, help="the year the file is written (default 2026)")
    ap.add_argument("--out", default="-", help="write here (default: standard output)")
    a = ap.parse_args()
    g = Gen(a.seed, load_nicknames(), a.year)
    people = []
    while len(people) < a.people:
        if people and g.r.random() < 0.06:
            people.append(g.namesake(g.r.choice(people)))
        else:
            people.extend(g.household())
    people = people[:a.people]
    rows = []
    for pid, p in enumerate(people):
        recs = [p]
        n = 1 + min(5, int(g.r.expovariate(1.3)))
        for _ in range(n - 1):
            recs.append(g.record(p, p if g.r.random() < 0.7 else g.r.choice(recs)))
        for k, r in enumerate(recs):
            rows.append((pid, k, r))
    g.r.shuffle(rows)
    out = sys.stdout if a.out == "-" else open(a.out, "w", newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["rec_id", "cluster", "given_name", "family_name", "dob", "sex", "town", "postcode", "address"])
    for pid, k, r in rows:
        dob = "%04d-%02d-%02d" % r["dob"] if r["dob"] else ""
        w.writerow(["rec-%d-%d" % (pid, k), pid, r["given"], r["family"], dob, r["sex"], r["town"],
                    r["postcode"], r["address"]])
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
