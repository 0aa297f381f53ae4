"""Writes fuzz seeds taken from the tests' own inputs: the string literals of
the unit tests named below, one file per literal (scripts/fuzz calls it).

Usage: fuzz_seeds.py TARGET OUT_DIR
"""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Which test files hold each target's inputs, and which literals count.
SOURCES = {
    "json-line": ("Tests/NDJSONTests", "Tests/ScopeTests", "Tests/StatsTests", "Tests/HTMLLinksTests"),
    "url-resolve": ("Tests/URLsTests", "Tests/HTMLLinksTests", "Tests/ScopeTests"),
    "html-links": ("Tests/HTMLLinksTests",),
}
RFC3986_BASE = "http://a/b/c/d;p?q"

RAW = re.compile(r'#"(.*?)"#')
MULTILINE = re.compile(r'"""\n(.*?)\n\s*"""', re.S)
PLAIN = re.compile(r'(?<![#"])"((?:[^"\\\n]|\\.)*)"(?!#)')
ESCAPES = re.compile(r'\\(u\{[0-9a-fA-F]+\}|.)')


def unescape(text):
    """Swift's escapes in an ordinary string literal."""
    def one(match):
        e = match.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(e, e)
    return ESCAPES.sub(one, text)


def literals(folder):
    for path in sorted((ROOT / folder).glob("*.swift")):
        source = path.read_text()
        yield from RAW.findall(source)
        for block in MULTILINE.findall(source):
            lines = block.split("\n")
            indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
            yield unescape("\n".join(l[indent:] for l in lines))
        yield from (unescape(s) for s in PLAIN.findall(source))


def seeds(target):
    for folder in SOURCES[target]:
        for text in literals(folder):
            if target == "json-line" and text.lstrip()[:1] in ("{", "["):
                yield text
            elif target == "url-resolve" and text and " " not in text.strip() and len(text) < 300:
                yield RFC3986_BASE + "\n" + text       # a reference against RFC 3986's base
                if ":" in text:
                    yield text + "\n../g?y#s"          # the literal as a base
            elif target == "html-links" and "<" in text:
                yield text


def main():
    target, out = sys.argv[1], pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for text in seeds(target):
        data = text.encode("utf-8", "surrogatepass")
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
        count += 1
    print(f"{target}: {count} seeds from the tests", file=sys.stderr)


main()
