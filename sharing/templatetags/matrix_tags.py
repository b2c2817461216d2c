"""The library matrix's rows and cells, written out in Python.

A page holds a thousand cells; through the template language each one cost about fifty
variable look-ups, most of the page's time. The markup is the same as the template's was.
"""

from __future__ import annotations

from html import escape

from django import template
from django.template import Engine
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from sharing import matrix

register = template.Library()


def _cell(
    context: Context,
    cell: matrix.Cell,
    toggle_url: str,
    *,
    poll: bool,
    keys: str,
    note: str,
    name: str,
    title: str,
    share_pk: int,
) -> str:
    """`toggle_url`, `keys` (the hx-vals attribute or ""), `name` and `title` (the person's
    and the library's) come escaped; `share_pk` is the cell's share's."""
    library_pk = cell.library.id
    attributes = ""
    if poll:
        attributes = f' hx-get="{escape(cell.poll_url)}" hx-trigger="every 1s" hx-swap="outerHTML"'
    head = (
        f'<td class="matrix-cell state-{cell.state}" id="cell-{share_pk}-{library_pk}"'
        f"{attributes}>\n          "
    )
    state = cell.state
    if state == matrix.BUSY:
        body = '<span class="cell-mark" title="Being applied on plex.tv">…</span>'
    elif state == matrix.PENDING:
        body = (
            f'<span class="cell-mark" title="{name} has not accepted the invite yet">'
            f"{'✓' if state == matrix.SHARED else '·'}</span>"
        )
    elif cell.last:
        body = _last(context, cell, name, title)
    else:
        shared = state == matrix.SHARED
        label = f"Unshare {title} from {name}" if shared else f"Share {title} with {name}"
        body = (
            f'<button type="submit" form="toggle-form" name="cell" '
            f'value="{share_pk}-{library_pk}" hx-post="{toggle_url}" '
            f'hx-target="closest td" hx-swap="outerHTML"{keys} class="cell-button" '
            f'aria-pressed="{"true" if shared else "false"}" title="{label}" '
            f'aria-label="{label}">{"✓" if shared else ""}</button>'
        )
    if note:
        body += f'<span class="cell-note" role="alert">{escape(note)}</span>'
    return f"{head}{body}\n        </td>"


def _last(context: Context, cell: matrix.Cell, name: str, title: str) -> str:
    """The share's only library: the cell opens the confirmation that stops the share (the
    project's one confirmation dialog, `sharing/forms.html#confirm-dialog`)."""
    server = escape(cell.share.server.name)
    label = f"Unshare {title} from {name} (the last one: stops sharing {server})"
    link = (
        f'<a class="cell-button" role="button" href="{escape(cell.stop_confirm_url)}" '
        f'data-dialog="{cell.dialog_id}" aria-pressed="true" title="{label}" '
        f'aria-label="{label}">✓</a>'
    )
    names = {"server": server, "name": name, "library": title}
    dialog = Engine.get_default().get_template("sharing/forms.html#confirm-dialog")
    values = {
        "dialog_id": cell.dialog_id,
        "title": mark_safe(gettext("Stop sharing %(server)s with %(name)s?") % names),  # noqa: S308
        "message": mark_safe(  # noqa: S308 - the names are escaped
            gettext(
                "%(library)s is the only library %(name)s has on %(server)s: taking it away "
                "stops sharing %(server)s with them, and it disappears from their Plex apps. "
                "Any other server you share with them stays shared."
            )
            % names
        ),
        "action": cell.stop_url,
        "key": cell.stop_key,
        "button": "Stop sharing",
        "hx_target": f"#row-{cell.share.pk}",
        "hx_swap": "outerHTML",
        "open": context.get("open_dialog"),
    }
    with context.push(values):
        return f"{link}\n          {dialog.render(context)}"


def _keys(fresh_key: str) -> str:
    return f' hx-vals=\'{{"key": "{escape(fresh_key)}"}}\'' if fresh_key else ""


@register.simple_tag(takes_context=True)
def matrix_cell(
    context: Context,
    cell: matrix.Cell,
    toggle_url: str,
    fresh_key: str = "",
    note: str = "",
    row_busy: bool = False,
) -> SafeString:
    """One cell: polling on its own while its change runs, unless its whole row polls."""
    return mark_safe(  # noqa: S308 - every value is escaped in _cell
        _cell(
            context,
            cell,
            escape(toggle_url),
            poll=cell.state == matrix.BUSY and not row_busy,
            keys=_keys(fresh_key),
            note=note,
            name=escape(cell.share.user.display_name),
            title=escape(cell.library.title),
            share_pk=cell.share.pk,
        )
    )


@register.simple_tag(takes_context=True)
def matrix_row(
    context: Context, row: matrix.Row, toggle_url: str, fresh_key: str = ""
) -> SafeString:
    """A person's row: polling while a change to them runs, their name, kind, a pending
    invite, the last change's failure, and every cell, the values they share escaped once."""
    share, user = row.share, row.share.user
    name = escape(user.display_name)
    url, keys = escape(toggle_url), _keys(fresh_key)
    poll = ""
    if row.busy:
        poll = f' hx-get="{escape(row.poll_url)}" hx-trigger="every 1s" hx-swap="outerHTML"'
    badges = f'<span class="badge">{escape(str(user.get_kind_display()))}</span>'
    if share.pending:
        badges += ' <span class="badge badge-warn">invite pending</span>'
    if row.note:
        badges += f'<span class="cell-note" role="alert">{escape(row.note)}</span>'
    # The libraries' titles, escaped once for the whole page.
    titles: dict[int, str] | None = context.render_context.get("matrix_titles")
    if titles is None:
        titles = {}
        context.render_context["matrix_titles"] = titles
    share_pk = share.pk
    cells = "\n        ".join(
        _cell(
            context,
            cell,
            url,
            poll=cell.state == matrix.BUSY and not row.busy,
            keys=keys,
            note="",
            name=name,
            title=titles.get(cell.library.id)
            or titles.setdefault(cell.library.id, escape(cell.library.title)),
            share_pk=share_pk,
        )
        for cell in row.cells
    )
    html = (
        f'<tr id="row-{share_pk}"{poll}>\n'
        f'        <td><input type="checkbox" name="selected" value="{share_pk}" form="bulk-form" '
        f'aria-label="Select {name}"></td>\n'
        f'        <th scope="row">{name} {badges}</th>\n'
        f"        {cells}\n"
        "      </tr>"
    )
    return mark_safe(html)  # noqa: S308 - every value is escaped above or in _cell
