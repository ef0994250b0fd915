from tests.fixture_modules.alpha.module import AlphaModule


async def test_modules_query_lists_enabled(make_app):
    app = await make_app(modules=["alpha"], extra_modules=[AlphaModule()])
    body = await app.gql("{ modules { name version } }")
    assert body["data"]["modules"] == [{"name": "alpha", "version": "1.2.3"}]
    body = await app.gql('mutation { addAlphaItem(name: "x") { id name } }')
    assert body["data"]["addAlphaItem"]["name"] == "x"
