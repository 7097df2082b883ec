-- Which chains each loaded ledger file holds rows of (handing_in.md: a chain has handed in a
-- dataset for a period when a file of that dataset and period loaded with at least one row
-- of that chain). One row per (load_id, chain_code), from every row the raw layer kept — not
-- only the newest versions, so a file later superseded still counts as handed in.

{%- set datasets = [
    'projects', 'chain_gaps', 'leads', 'talent_catalogue', 'talent_hires',
    'leader_projects', 'party_activities', 'mentoring_pairs', 'enterprise_issues',
] %}

with

{% for dataset in datasets %}
{{ dataset }}_chains as (

    select distinct
        {{ dataset }}._load_id as load_id,
        {{ dataset }}.chain as chain_code
    from {{ source('raw', dataset) }} as {{ dataset }}
    where {{ dataset }}.chain is not null

),

{% endfor %}
unioned as (

    {% for dataset in datasets %}
    select
        {{ dataset }}_chains.load_id,
        {{ dataset }}_chains.chain_code
    from {{ dataset }}_chains
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
