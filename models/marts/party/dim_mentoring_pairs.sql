-- Every mentoring pair (帮带结对, party_service_funds.md; current state): one row per pair,
-- with whether it is still active. The dashboard counts mentees per mentor organisation
-- against the seed's "about 5" (帮带5个左右).

with

pairs as (

    select * from {{ ref('stg_mentoring_pairs') }}

),

final as (

    select
        pairs.pair_id,
        pairs.chain_code,
        pairs.mentor_org,
        pairs.mentee_org,
        pairs.signed_date,
        pairs.has_agreement,
        pairs.status,
        pairs.ended_date,
        coalesce(pairs.status = 'active', false) as is_active
    from pairs

)

select * from final
