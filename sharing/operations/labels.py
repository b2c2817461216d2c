"""What each kind of operation is called on screen."""

KIND_LABELS: dict[str, str] = {
    "share.edit": "Edit share",
}
