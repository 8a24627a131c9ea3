"""Fill translations into a catalog in bulk.

    python tools/po_fill.py vi FILE.py     # FILE.py defines T = {msgid: msgstr}
    python tools/po_fill.py en --copy      # English msgids are already the English text

Entries filled this way lose their fuzzy flag; tests fail while any entry is empty or fuzzy.
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

locale, source = sys.argv[1], sys.argv[2]
table = {} if source == "--copy" else runpy.run_path(source)["T"]
path = f"locales/{locale}/LC_MESSAGES/messages.po"
with open(path, "rb") as f:
    catalog = read_po(f, locale=locale)
missing = set(table)
for message in catalog:
    if not message.id:
        continue
    key = message.id if isinstance(message.id, str) else message.id[0]
    if key in table:
        message.string = table[key]
        message.flags.discard("fuzzy")
        missing.discard(key)
    elif source == "--copy":
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and "fuzzy" not in message.flags:
            continue
        # English msgids are the English text: singular and plural copied as they are.
        message.string = message.id
        message.flags.discard("fuzzy")
with open(path, "wb") as f:
    write_po(f, catalog, width=99, sort_output=True)
if missing:
    print("not in catalog:", *sorted(missing), sep="\n  ")
