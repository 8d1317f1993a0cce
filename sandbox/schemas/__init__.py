"""The native schemas of the demo department systems, one module per system.

Each module's docstring is the glossary an adapter author maps from: native
table and column names (pinyin abbreviations), code tables, and encodings.
Shared conventions, unless a module says otherwise:

- dates are ``TEXT`` ``YYYYMMDD``; an empty string means "none";
- money is ``INTEGER`` fen (分, 1/100 yuan);
- codes are short ``TEXT`` values from the code tables listed per column;
- ``tyshxydm`` (统一社会信用代码) is the credit code that joins departments, and
  ``sfzh`` (身份证号) the resident ID number.

Tables are created without secondary indexes; the seeder adds ``INDEXES`` after
the bulk load, which is much faster than maintaining them row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

from xietong.sandbox.schemas import bank_http, bank_sql, education, fire, market, police


@dataclass(frozen=True, slots=True)
class NativeSchema:
    tables: tuple[str, ...]
    indexes: tuple[str, ...]


SCHEMAS: dict[str, NativeSchema] = {
    "education": NativeSchema(education.TABLES, education.INDEXES),
    "market": NativeSchema(market.TABLES, market.INDEXES),
    "police": NativeSchema(police.TABLES, police.INDEXES),
    "fire": NativeSchema(fire.TABLES, fire.INDEXES),
    "bank_sql": NativeSchema(bank_sql.TABLES, bank_sql.INDEXES),
    "bank_http": NativeSchema(bank_http.TABLES, bank_http.INDEXES),
}
"""Database key (see ``sandbox.layout.SandboxFiles.databases``) → its schema."""
