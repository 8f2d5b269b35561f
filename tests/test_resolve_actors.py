from datetime import date

from parley.records import Document


def resolve(pipeline, text, published=date(2022, 12, 4)):
    doc = Document(id="r", source="r.txt", text=text, published=published)
    return pipeline.resolver.resolve(doc, pipeline.annotator(text))


def test_unknown_official_gets_role_and_country_from_title(pipeline):
    rd = resolve(pipeline, "Deputy Foreign Minister Oleksandr Bondarenko of Ukraine met the envoy.")
    actor = next(a for a in rd.actors.values() if a.name == "Oleksandr Bondarenko")
    assert actor.role.startswith("Deputy Foreign Minister")


def test_appositive_title_and_later_description(pipeline):
    rd = resolve(pipeline, "Peter Hollis, former US assistant secretary of defense, said the report was weak. "
                           "The former US Assistant Secretary of Defense added that talks were likely.")
    hollis = next(a for a in rd.actors.values() if a.name == "Peter Hollis")
    assert hollis.country == "USA"
    description = [s for s in rd.spans if s.kind == "description"]
    assert description and description[0].actor_id == hollis.id


def test_kb_role_depends_on_publication_date(pipeline):
    early = resolve(pipeline, "Sergei Shoigu spoke.", date(2022, 5, 20)).actors
    late = resolve(pipeline, "Sergei Shoigu spoke.", date(2025, 3, 1)).actors
    shoigu = next(k for k in early if "shoigu" in k)
    assert "Defen" in early[shoigu].role
    assert early[shoigu].role != late[shoigu].role


def test_unnamed_sources_are_actors(pipeline):
    rd = resolve(pipeline, "Two senior Pentagon officials said the delivery was delayed.")
    anon = [a for a in rd.actors.values() if a.id.startswith("anon:")]
    assert anon and anon[0].country == "USA" and anon[0].type == "GROUP"


def test_pronoun_prefers_the_last_subject(pipeline):
    rd = resolve(pipeline, "Dmitry Peskov spoke after a meeting with Antonio Guterres. He said the talks were useful.")
    he = next(t for t in rd.doc if t.text == "He")
    assert "peskov" in rd.antecedent(he.i)


def test_mentions_point_at_their_text(pipeline):
    text = "Moscow and Washington disagreed while the Ukrainians waited."
    rd = resolve(pipeline, text)
    mentions = rd.mentions()
    assert {m.actor for m in mentions} >= {"RUS", "USA", "UKR"}
    assert all(text[m.start:m.end] == m.text for m in mentions)
