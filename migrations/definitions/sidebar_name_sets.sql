/*
 * Per (kind, id) of sidebar_names: its names as {lang: name}, once, for sidebar_rows. The
 * service picks a name per request's language, falling back to the language's prefix (pt-BR to
 * pt), then to the default name.
 */
create view sidebar_name_sets with (security_invoker = true) as
select kind, id, jsonb_object_agg(lang, name order by lang) as names
from sidebar_names
group by kind, id;

comment on view sidebar_name_sets is E'Per (kind, id): its names per language as a JSON object {lang: name}.';
