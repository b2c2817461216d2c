from django.urls import path, register_converter

from activity.views import devices, discover, household, person, posters, watchlist


class _Digest:
    regex = "[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Digest, "digest")

app_name = "activity"

MEMBER = {"as_member": True}

urlpatterns = [
    path("", household.household, name="household"),
    path("collect/", household.collect_now, name="collect"),
    path("collect/status/", household.collect_status, name="collect-status"),
    path("people/<int:person_id>/", person.person, name="person"),
    path("mine/", person.mine, name="mine"),
    path("watchlist/", watchlist.watchlist, name="watchlist"),
    path("watchlist/refresh/", watchlist.refresh, name="watchlist-refresh"),
    path("watchlist/refresh/status/", watchlist.refresh_status, name="watchlist-status"),
    path("watchlist/remove/", watchlist.remove, name="watchlist-remove"),
    path("watchlist/member/", watchlist.watchlist, MEMBER, name="watchlist-member"),
    path("watchlist/member/refresh/", watchlist.refresh, MEMBER, name="watchlist-member-refresh"),
    path(
        "watchlist/member/refresh/status/",
        watchlist.refresh_status,
        MEMBER,
        name="watchlist-member-status",
    ),
    path("watchlist/member/remove/", watchlist.remove, MEMBER, name="watchlist-member-remove"),
    path("discover/", discover.discover_page, name="discover"),
    path("discover/searches/<int:search_id>/", discover.search_results, name="search"),
    path("discover/add/", discover.add, name="discover-add"),
    path("posters/<digest:digest>/", posters.poster, name="poster"),
    path("devices/", devices.devices_page, name="devices"),
    path("devices/refresh/", devices.refresh, name="devices-refresh"),
    path("devices/refresh/status/", devices.refresh_status, name="devices-status"),
    path("devices/downloads/remove/", devices.remove_download, name="download-remove"),
    path("devices/link/", devices.link_device, name="device-link"),
]
