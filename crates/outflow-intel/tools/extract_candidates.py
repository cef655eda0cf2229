#!/usr/bin/env python3
"""Extract candidate facts for outflow-intel's data files from the public lists.

Reproducible provenance: the committed data files (../data/*.yml) are curated by
hand from this script's output; every entry there carries a `source:` note naming
where it came from (lots, lottunnels, sigma:<rule file stem>, lolbas, vendor docs).

Usage (from the repository root, corpus beside the checkout):

    python3 crates/outflow-intel/tools/extract_candidates.py [CORPUS] > /tmp/candidates.tsv
    python3 crates/outflow-intel/tools/extract_candidates.py --lolbas [CORPUS] > /tmp/lolbas.tsv

CORPUS defaults to ../shared/corpus. Needs PyYAML. Output is tab-separated:
  domains: pattern, origin, detail (tags / tool / rule title)
  lolbas:  name, folder, categories, has_network_use (Download/Upload command)
"""
import csv
import glob
import os
import re
import sys

import yaml

# Sigma fields whose values are host names, domains or URLs.
HOST_FIELDS = re.compile(
    r"^(DestinationHostname|QueryName|query|dns\.question\.name|cs-host|r-dns|"
    r"c-uri|c-useragent|cs-uri|url|Url|RemoteName|CommandLine|ScriptBlockText|"
    r"TargetFilename|Contents|RemoteUrl|Payload)(\|.*)?$"
)
DOMAIN = re.compile(r"(?:\*\.)?(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]{1,24}(?:/[^\s'\"]*)?", re.I)
NOT_DOMAIN_SUFFIX = (".exe", ".dll", ".ps1", ".bat", ".cmd", ".yml", ".yaml", ".txt",
                     ".json", ".log", ".zip", ".vbs", ".js", ".hta", ".msi", ".lnk",
                     ".ini", ".xml", ".conf", ".config", ".sys", ".tmp", ".dat", ".py")


def lots(corpus):
    path = os.path.join(corpus, "lists/lots/lots-project.txt")
    with open(path, encoding="utf-8") as f:
        rows = [l for l in f if not l.startswith("#")]
    for row in csv.DictReader(rows):
        yield row["Website"].strip(), "lots", f'{row["ServiceProvider"]}: {row["Tags"]}'


def lottunnels(corpus):
    path = os.path.join(corpus, "lists/lottunnels/domains.csv")
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield row["domain"].strip(), "lottunnels", row["name"].strip()


def walk_values(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_values(v, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from walk_values(v, key)
    elif isinstance(node, str) and key is not None:
        yield key, node


def sigma(corpus):
    root = os.path.join(corpus, "sigma/full")
    for path in sorted(glob.glob(os.path.join(root, "**/*.yml"), recursive=True)):
        try:
            with open(path, encoding="utf-8") as f:
                docs = list(yaml.safe_load_all(f))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for doc in docs:
            if not isinstance(doc, dict) or "detection" not in doc:
                continue
            stem = os.path.splitext(os.path.basename(path))[0]
            for key, value in walk_values(doc["detection"]):
                if not HOST_FIELDS.match(key):
                    continue
                for m in DOMAIN.findall(value):
                    d = m.lower().strip(".")
                    if d.split("/")[0].endswith(NOT_DOMAIN_SUFFIX) or "\\" in d:
                        continue
                    yield d, f"sigma:{stem}", doc.get("title", "")


def lolbas(corpus):
    root = os.path.join(corpus, "lists/lolbas/yml")
    for path in sorted(glob.glob(os.path.join(root, "**/*.yml"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            d = yaml.safe_load(f)
        cats = sorted({c.get("Category", "") for c in d.get("Commands") or []})
        net = any(c in ("Download", "Upload") for c in cats)
        folder = os.path.relpath(path, root).split(os.sep)[0]
        print(f'{d["Name"]}\t{folder}\t{";".join(cats)}\t{net}')


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = args[0] if args else "../shared/corpus"
    if "--lolbas" in sys.argv:
        lolbas(corpus)
        return
    seen = {}
    for gen in (lots(corpus), lottunnels(corpus), sigma(corpus)):
        for pattern, origin, detail in gen:
            seen.setdefault(pattern, []).append((origin, detail))
    for pattern in sorted(seen):
        origins = sorted({o for o, _ in seen[pattern]})
        detail = seen[pattern][0][1].replace("\t", " ")
        print(f"{pattern}\t{','.join(origins)}\t{detail}")


if __name__ == "__main__":
    main()
