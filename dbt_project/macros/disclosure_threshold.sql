{#- The minimum frequency of a published cell: var('disclosure_threshold'), default 5. A value below
    3, the floor of the SISTAN rules (Regole deontologiche, art. 5), stops the compilation: cells of
    1 or 2 people must never be published (docs/disclosure.md). -#}
{% macro disclosure_threshold() -%}
    {%- set threshold = var('disclosure_threshold', 5) | int -%}
    {#- (sqlfluff's templater has no `exceptions`: it lints without the check) -#}
    {%- if threshold < 3 and exceptions is defined -%}
        {{ exceptions.raise_compiler_error(
            "disclosure_threshold " ~ threshold ~ " is below 3, the minimum frequency of the SISTAN"
            ~ " rules (Regole deontologiche, art. 5): cells of 1 or 2 people must not be published") }}
    {%- endif -%}
    {{ return(threshold) }}
{%- endmacro %}
