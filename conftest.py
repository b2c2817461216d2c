# Shared pytest plugins for the whole repository; plexsim provides the fake plex.tv fixtures.
pytest_plugins = ["plexsim.pytest_plugin"]
