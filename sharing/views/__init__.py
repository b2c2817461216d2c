"""The sharing console: people, a person's access, and the operations that change it."""
