#!/usr/bin/env python3
"""Builds common-passwords.txt, the list of common and breached passwords Dokuei refuses.

Sources (all shipped by Debian 12, so the list can be rebuilt without any download):
  1. python3-zxcvbn: zxcvbn/frequency_lists.py, list "passwords" -- the 30,000 most frequent
     passwords of a 10-million-password breach corpus, most frequent first (MIT licence,
     Dropbox, Inc.).
  2. john-data: /usr/share/john/password.lst -- Openwall's list of passwords most commonly seen
     on Unix systems and in 2006-2010 website breaches (public domain).
  3. japanese-additions.txt beside this script: Japanese-context passwords (romaji words and
     names, anime and places, JIS keyboard walks, medical and product words), maintained by hand.

Entries are lower-cased (the check is case-insensitive), stripped, de-duplicated in order of
first appearance, and kept when 4 to 64 characters long: the policy refuses anything shorter
than 8 characters anyway, and the checker also looks up the "core" of a password (without
leading/trailing digits and symbols), which is where 4-7 character entries matter.

Usage:
  apt-get download python3-zxcvbn john-data
  for f in *.deb; do dpkg-deb -x "$f" x; done
  build_common_passwords.py x > common-passwords.txt
"""
import os
import sys


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/"
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(root, "usr/lib/python3/dist-packages"))
    from zxcvbn import frequency_lists  # noqa: E402

    lists = frequency_lists.FREQUENCY_LISTS["passwords"]
    if isinstance(lists, str):
        lists = lists.split(",")
    sources = [lists]
    with open(os.path.join(root, "usr/share/john/password.lst"), encoding="latin-1") as f:
        sources.append([line.rstrip("\n") for line in f if not line.startswith("#!comment")])
    with open(os.path.join(here, "japanese-additions.txt"), encoding="utf-8") as f:
        sources.append([line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")])

    seen = set()
    out = []
    for source in sources:
        for word in source:
            w = word.strip().lower()
            if not (4 <= len(w) <= 64) or w in seen or "\n" in w:
                continue
            if any(ord(c) < 0x20 for c in w):
                continue
            seen.add(w)
            out.append(w)
    sys.stdout.write("".join(w + "\n" for w in out))


if __name__ == "__main__":
    main()
