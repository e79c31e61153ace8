#!/usr/bin/env python3
"""Join the pinned public SMS sources with this folder's labels into one labelled set.

usage: build.py SOURCES_DIR LABELS.tsv OUT.tsv

SOURCES_DIR holds the files named in sources.tsv (as bench/otp-text.sh downloads them).
The labels carry no message text, only a key per message (FNV-1a 64 of its normalised
text), so the messages stay with their publishers; this script finds each labelled
message again and writes `split, source, lang, label, service, text` rows.
With --keys it instead writes every message's key, source and text, for labelling.
"""
import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path


def fnv1a64(text: str) -> str:
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def normalise(text: str) -> str:
    # Line breaks and tabs would break the TSV; runs of blanks carry no meaning in an SMS.
    return " ".join(text.replace("\\n", " ").split())


def messages(src: Path):
    """(source, text) for every message of every pinned file."""
    for f in sorted((src / "thai").glob("*.txt")):
        for line in f.read_text("utf-8", "replace").splitlines():
            if "|" in line:
                yield "thai-gateway", line.split("|", 1)[1]
    uci = src / "uci" / "SMSSpamCollection"
    for line in uci.read_text("utf-8", "replace").splitlines():
        if "\t" in line:
            yield "uci-spam", line.split("\t", 1)[1]
    for lang, name in [("zh", "smsCorpus_zh_xml_2015.03.09.zip"), ("en", "smsCorpus_en_xml_2015.03.09_all.zip")]:
        with zipfile.ZipFile(src / "nus" / name) as z:
            root = ET.fromstring(z.read(z.namelist()[0]))
        for m in root.iter("message"):
            yield "nus-" + lang, m.findtext("text") or ""
    for f in sorted((src / "fraud").glob("label0*-last.csv")):
        rows = csv.reader(io.StringIO(f.read_text("utf-8", "replace")))
        next(rows)
        for rec in rows:
            if rec:
                yield "fraud-zh", rec[0]
    index = (src / "ohtipi" / "index.js").read_text("utf-8")
    for m in re.finditer(r"message: '((?:[^'\\]|\\.)*)'", index):
        yield "parse-otp-tests", m.group(1).replace("\\'", "'")
    custom = (src / "ohtipi" / "custom.js").read_text("utf-8")
    for m in re.finditer(r'^\s*"((?:[^"\\]|\\.)*)",?\s*(?://.*)?$', custom, re.M):
        yield "parse-otp-tests", m.group(1)
    for name, path in [
        ("messauto-tests", "messauto/parser.rs"),
        ("messauto-tests", "messauto/parser-2.rs"),
        ("smscodehelper-tests", "smscodehelper/SMSCodeTest.java"),
        ("signal-tests", "signal/VerificationCodeParserTest.java"),
        ("imessage2fa-tests", "imessage2fa/utils.test.ts"),
        ("2fhey-tests", "2fhey/AppDelegate.swift"),
        ("2fhey-tests", "2fhey/CustomOTPParsers.swift"),
    ]:
        for text in string_literals((src / path).read_text("utf-8")):
            yield name, text
    for rec in json.loads((src / "imessage2fa" / "test_messages.txt").read_text("utf-8")):
        yield "imessage2fa-tests", rec["text"]
    for text in yaml_messages((src / "otphelper" / "code_detection_tests.yaml").read_text("utf-8")):
        yield "otphelper-tests", text
    for f in sorted((src / "autorule").rglob("*.txt")):
        yield "autorule-bank", json.loads(f.read_text("utf-8"))["body"]


def string_literals(code: str):
    """The double-quoted literals of a Rust, Java, Swift or TypeScript test file: its test messages."""
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', code, re.S):
        text = m.group(1).replace('\\"', '"').replace("\\n", " ")
        # Java source spells some characters (the bidi marks of an Arabic message) as \uXXXX.
        yield re.sub(r"\\u([0-9A-Fa-f]{4})", lambda u: chr(int(u.group(1), 16)), text)


def yaml_messages(text: str):
    """The `message:` values of a YAML test list, plain, quoted or block (`|`, `|-`)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(?:- )?message:\s*(.*)$", line)
        if not m:
            continue
        value = m.group(2)
        if value in ("|", "|-", ">", ">-"):
            indent = len(m.group(1)) + 2
            block = []
            for nxt in lines[i + 1:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) < indent:
                    break
                block.append(nxt)
            value = " ".join(block)
        elif len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        yield value


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--keys"]
    src, out = Path(args[0]), Path(args[-1])
    seen = {}
    for source, text in messages(src):
        text = normalise(text)
        if text:
            seen.setdefault((source, fnv1a64(text)), text)
    with out.open("w", encoding="utf-8", newline="") as f:
        def w(fields):
            f.write("\t".join(fields) + "\n")

        if "--keys" in sys.argv:
            for (source, key), text in seen.items():
                w([source, key, text])
            return
        missing = 0
        w(["split", "source", "lang", "label", "service", "text"])
        with Path(args[1]).open(encoding="utf-8") as lf:
            for row in csv.DictReader(lf, delimiter="\t"):
                text = seen.get((row["source"], row["key"]))
                if text is None:
                    missing += 1
                    continue
                w([row["split"], row["source"], row["lang"], row["label"], row["service"], text])
    if missing:
        sys.exit(f"{missing} labelled messages not found in {src}: a source file differs from its pin")


if __name__ == "__main__":
    main()
