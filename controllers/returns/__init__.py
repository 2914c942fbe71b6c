"""County returns (县区上报): read a unit's workbook, check it, compare it with the register,
record the return and accept it into the register in one transaction.

The steps, each its own module:

- :mod:`reader` — open .xlsx/.xlsm/.xls/.ods/.csv safely (format, size and zip-bomb checks);
- :mod:`headers` — find the header row and place each column (synonyms, remembered mappings);
- :mod:`normalise` — cell values to register values (text, dates, codes);
- :mod:`rows` — row-level reading and validation (sheet, Excel row, column, Chinese message);
- :mod:`matching` — match rows to the register and build the difference;
- :mod:`check` — the whole read → validate → compare pass, without writing anything;
- :mod:`records` — the return record: submit, details, signature page, stored file;
- :mod:`review` — accept (one transaction) or send back with reasons;
- :mod:`template`, :mod:`error_report` — the blank template and the annotated error workbook;
- :mod:`overview` — which units returned per stage, late, signed, published.
"""
