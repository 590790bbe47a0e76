"""Words for the harvest pages: field labels and hints, types, statuses and outcomes."""

from __future__ import annotations

from collections.abc import Callable

Gettext = Callable[[str], str]


def labels(_: Gettext) -> dict[str, str]:
    return {
        "name": _("名前（URL用）"),
        "title": _("タイトル"),
        "type": _("種類"),
        "url": _("URL"),
        "organization": _("組織"),
        "schedule_kind": _("定期実行"),
        "schedule_time": _("時刻（日本時間）"),
        "schedule_weekday": _("曜日"),
        "schedule_day": _("日"),
        "schedule_cron": _("詳細設定: cron式"),
        "organizations": _("対象にするリモートの組織"),
        "organizations_exclude": _("除外するリモートの組織"),
        "groups": _("対象にするリモートのグループ"),
        "groups_exclude": _("除外するリモートのグループ"),
        "rows": _("1ページの件数"),
        "incremental": _("差分取得"),
        "full_every_days": _("全件取得の間隔（日）"),
        "incremental_overlap_minutes": _("差分取得の重なり（分）"),
        "detect_deletions": _("差分取得で削除を検出"),
        "timezone": _("データセットの日時のタイムゾーン"),
        "resource_timezone": _("リソースの日時のタイムゾーン"),
        "format": _("RDFの形式"),
        "remote_organizations": _("リモートの組織を使う"),
        "outside_organizations": _("書き込めない組織のデータセット"),
        "default_tags": _("付けるタグ"),
        "default_categories": _("付けるカテゴリ"),
        "default_license": _("ライセンスがないときのライセンス"),
        "delete_policy": _("ソースから消えたデータセット"),
        "delete_threshold": _("1回で削除してよい割合（%）"),
        "timeout": _("読み込みのタイムアウト（秒）"),
        "max_page_mb": _("1ページの上限（MB）"),
        "retries": _("再試行の回数"),
        "max_pages": _("ページ数の上限"),
    }


def hints(_: Gettext) -> dict[str, str]:
    return {
        "name": _("半角英小文字・数字・- と _（2〜100文字）。後から変えられません。"),
        "url": _(
            "CKANはポータルのURL（例: https://data.city.example.jp/）、DCATはカタログ文書のURL。"
        ),
        "schedule_time": _("24時間制の 時:分（例: 03:00）。"),
        "schedule_day": _("1〜31。その日がない月は実行しません。"),
        "schedule_cron": _(
            "「詳細設定」を選んだときに使います。分 時 日 月 曜日（日本時間）。例: 0 */6 * * *"
        ),
        "organizations": _("組織名をカンマ区切りで。空欄はすべて。"),
        "organizations_exclude": _("組織名をカンマ区切りで。"),
        "groups": _("グループ名をカンマ区切りで。空欄はすべて。"),
        "groups_exclude": _("グループ名をカンマ区切りで。"),
        "rows": _("1〜1000。"),
        "incremental": _("前回から更新されたデータセットだけを取得します。"),
        "full_every_days": _("差分取得でも、この日数ごとに全件を取得します（0: しない）。"),
        "timezone": _("時差のない日時をどの地域の時刻として読むか。CKANはUTC。"),
        "resource_timezone": _("空欄は上と同じ。e-Gov は Asia/Tokyo。"),
        "format": _("空欄は Content-Type から判断します。"),
        "remote_organizations": _("同じ名前の組織がこのカタログにあれば、そこに登録します。"),
        "default_tags": _("カンマ区切りで。"),
        "delete_threshold": _("これを超えて消えたときは何も削除せず、ジョブに報告します。"),
    }


def type_labels(_: Gettext) -> dict[str, str]:
    return {
        "ckan": _("CKAN（Action API）"),
        "dcat": _("DCAT（RDF文書）"),
        "catalog": _("このカタログの別のインスタンス（変更フィード）"),
    }


def choice_labels(_: Gettext) -> dict[str, str]:
    return {
        "": _("指定しない"),
        "yes": _("はい"),
        "no": _("いいえ"),
        "fallback": _("このソースの組織に登録する"),
        "refuse": _("登録しない（拒否）"),
        "withdraw": _("削除する"),
        "keep": _("残す"),
        "turtle": "Turtle",
        "xml": "RDF/XML",
        "json-ld": "JSON-LD",
        "nt": "N-Triples",
    }


def schedule_kind_labels(_: Gettext) -> dict[str, str]:
    return {
        "none": _("定期実行しない"),
        "daily": _("毎日"),
        "weekly": _("毎週"),
        "monthly": _("毎月"),
        "advanced": _("詳細設定（cron式）"),
    }


def group_legends(_: Gettext) -> dict[str, str]:
    return {
        "ckan": _("CKANの設定"),
        "dcat": _("DCATの設定"),
        "owner": _("登録先と既定値"),
        "deletion": _("削除の扱い"),
        "network": _("通信の上限"),
    }


def status_labels(_: Gettext) -> dict[str, str]:
    return {
        "queued": _("待機中"),
        "running": _("実行中"),
        "finished": _("完了"),
        "failed": _("失敗"),
        "added": _("追加"),
        "updated": _("更新"),
        "unchanged": _("変更なし"),
        "deleted": _("削除"),
        "errored": _("エラー"),
        "skipped": _("スキップ"),
        "new": _("新規"),
        "update": _("更新"),
        "refused": _("拒否"),
    }
