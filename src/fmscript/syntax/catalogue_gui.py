"""The rest of FileMaker's script steps: the ones that need a window, a device, a dialog or a
service a headless run does not have — so that a script a FileMaker developer pastes still parses.

``NO_OP`` steps run and do nothing (what they would change — a window's size, a toolbar, a
cache — does not exist without a GUI); ``NOT_APPLICABLE`` steps report error 3 ("command is
unavailable") when reached, like FileMaker Server does with steps it does not support; ``NOT_YET``
steps could run headless but fmscript does not run them yet (error 3 too). Each has its reason in
the coverage table (``syntax/coverage.py`` → docs/steps.md). Their options are accepted as
written (``options_more.post_any``). Names: en / ja / zh as the Claris help writes them.
"""

from __future__ import annotations

from fmscript.syntax.step_spec import StepSpec, _s

_ANY = "fmscript.syntax.options_more:post_any"
_NOTHING = "fmscript.steps.misc:nothing"

# (English, Japanese, Chinese): steps that do nothing outside a GUI.
NO_OP: tuple[tuple[str, str | tuple[str, ...], str | tuple[str, ...]], ...] = (
    ("Set Layout Object Animation", "レイアウトオブジェクトアニメーション設定", "设置布局对象动画"),
    ("Set Error Logging", ("エラーログを設定", "エラーログの設定"), "设置错误日志记录"),
    ("Close Popover", "ポップオーバーを閉じる", "关闭弹出框"),
    ("Enter Preview Mode", "プレビューモードに切り替え", "进入预览模式"),
    ("Adjust Window", "ウインドウの調整", "调整窗口"),
    (
        "Move/Resize Window",
        "ウインドウの移動/サイズ変更",
        "移动窗口/调整窗口大小",
    ),
    ("Arrange All Windows", "全ウインドウを整列", "排列所有窗口"),
    ("Scroll Window", "ウインドウのスクロール", "滚动窗口"),
    ("Show/Hide Menubar", "メニューバーの表示切り替え", "显示/隐藏菜单栏"),
    ("Show/Hide Toolbars", "ツールバーの表示切り替え", "显示/隐藏工具栏"),
    ("Show/Hide Text Ruler", "テキスト定規の表示切り替え", "显示/隐藏文本标尺"),
    ("Set Window Title", "ウインドウタイトルの設定", "设置窗口标题"),
    ("Set Zoom Level", "ズームの設定", "设置缩放级别"),
    ("View As", "表示方法の切り替え", "查看方式"),
    ("Set Allowed Orientations", "許可される向きの設定", "设置允许的方向"),
    ("Set Multi-User", "マルチユーザ設定", "设置多用户"),
    ("Set Use System Formats", "システム書式の使用", "设置用户系统格式"),
    ("Allow Formatting Bar", "書式バーを許可", "允许格式栏"),
    ("Enable Touch Keyboard", "タッチキーボードを有効化", "启用触控键盘"),
    ("Flush Cache to Disk", "キャッシュをディスクにフラッシュ", "将高速缓存内容清空至磁盘"),
    ("Install Menu Set", "メニューセットのインストール", "安装菜单集"),
    ("Refresh Object", "オブジェクトを更新", "刷新对象"),
    ("Refresh Portal", "ポータルの更新", "刷新入口"),
    ("Set Session Identifier", "セッション識別子を設定", "设置会话标识符"),
)

# Steps that need a screen, a device, a dialog or a service; error 3 when reached.
NOT_APPLICABLE: tuple[tuple[str, str | tuple[str, ...], str | tuple[str, ...]], ...] = (
    ("Install OnTimer Script", "OnTimer スクリプトをインストール", "安装 OnTimer 脚本"),
    ("Configure Local Notification", "ローカル通知を設定", "配置本地通知"),
    ("Configure Region Monitor Script", "地域モニタスクリプトを設定", "配置区域监视脚本"),
    ("Configure NFC Reading", "NFC 読み取りを設定", "配置 NFC 读取"),
    ("Trigger Claris Connect Flow", "Claris Connect フローをトリガ", "触发 Claris Connect 流程"),
    ("Go to Object", "オブジェクトへ移動", "转到对象"),
    ("Go to Portal Row", "ポータル内の行へ移動", "转到入口行"),
    ("Go to Next Field", "次のフィールドへ移動", "转到下一个字段"),
    ("Go to Previous Field", "前のフィールドへ移動", "转到上一个字段"),
    ("Undo/Redo", ("元に戻す/やり直す", "元に戻す/再実行"), "撤消/恢复"),
    ("Cut", "切り取り", "剪切"),
    ("Copy", "コピー", "拷贝"),
    ("Paste", "貼り付け", "粘贴"),
    ("Set Selection", "選択範囲を設定", "设定选择范围"),
    ("Select All", "全てを選択", "全选"),
    ("Perform Find/Replace", "検索/置換を実行", "执行查找/替换"),
    ("Insert from Index", "索引から挿入", "从索引插入"),
    ("Insert from Last Visited", "直前に参照したレコードから挿入", "从最后一次访问处插入"),
    ("Insert from Device", "デバイスから挿入", "从设备插入"),
    ("Insert Picture", "ピクチャを挿入", "插入图片"),
    ("Insert Audio/Video", "オーディオ/ビデオを挿入", "插入音频/视频"),
    ("Insert PDF", "PDF を挿入", "插入 PDF"),
    ("Insert File", "ファイルを挿入", "插入文件"),
    ("Delete Portal Row", "ポータル内の行を削除", "删除入口行"),
    ("Copy Record/Request", "レコード/検索条件コピー", "拷贝记录/请求"),
    (
        "Copy All Records/Requests",
        "全レコード/検索条件コピー",
        "拷贝所有记录/请求",
    ),
    ("Save Records as PDF", "レコードを PDF として保存", "将记录另存为 PDF"),
    ("Save Records as Snapshot Link", "レコードをスナップショットリンクとして保存", "将记录另存为快照链接"),
    ("New File", "新規作成", "新建文件"),
    ("Open File", "ファイルを開く", "打开文件"),
    ("Close File", "ファイルを閉じる", "关闭文件"),
    ("Convert File", "ファイルを変換", "转换文件"),
    ("Recover File", "ファイルの修復", "恢复文件"),
    ("Print Setup", "印刷設定", "打印设置"),
    ("Print", "印刷", "打印"),
    ("Save a Copy as Add-on Package", "アドオンパッケージとして保存", "将副本另存为附加组件包"),
    ("Get Folder Path", "フォルダパスを取得", "获取文件夹路径"),
    ("Check Selection", "選択部分のスペルチェック", "检查选定项"),
    ("Check Record", "レコードのスペルチェック", "检查记录"),
    ("Check Found Set", "対象レコードのスペルチェック", "检查搜索结果"),
    ("Correct Word", "単語の修正", "更正文字"),
    ("Spelling Options", "スペルチェックオプション", "拼写选项"),
    ("Select Dictionaries", "辞書の選択", "选择字典"),
    ("Edit User Dictionary", "ユーザ辞書の編集", "编辑用户字典"),
    ("Set Dictionary", "辞書を設定", "设置字典"),
    ("Open Edit Saved Finds", "保存済み検索条件の編集を開く", "打开编辑已保存的查找条件"),
    ("Open Favorites", "お気に入りを開く", "打开收藏夹"),
    ("Open File Options", "ファイルオプションを開く", "打开文件选项"),
    ("Open Find/Replace", "検索/置換を開く", "打开查找/替换"),
    ("Open Help", "ヘルプを開く", "打开帮助"),
    ("Open Hosts", "ホストを開く", "打开主机"),
    ("Open Manage Containers", "オブジェクトの管理を開く", "打开管理容器"),
    ("Open Manage Data Sources", "外部データソースの管理を開く", "打开管理数据源"),
    ("Open Manage Database", "データベースの管理を開く", "打开管理数据库"),
    ("Open Manage Layouts", "レイアウトの管理を開く", "打开管理布局"),
    ("Open Manage Themes", "テーマの管理を開く", "打开管理主题"),
    ("Open Manage Value Lists", "値一覧の管理を開く", "打开管理值列表"),
    ("Open Preferences", "環境設定を開く", "打开首选项"),
    ("Open Script Workspace", "スクリプトワークスペースを開く", "打开脚本工作区"),
    ("Open Sharing", "共有を開く", "打开共享"),
    ("Open Upload to Host", "ホストにアップロードを開く", ("上传到 FileMaker Server", "打开上传到主机")),
    ("AVPlayer Play", "AVPlayer 再生", "AVPlayer 播放"),
    ("AVPlayer Set Options", "AVPlayer オプション設定", "AVPlayer 设置选项"),
    ("AVPlayer Set Playback State", "AVPlayer 再生状態設定", "AVPlayer 设置回放状态"),
    ("Dial Phone", "電話をかける", "拨打电话"),
    ("Execute SQL", "SQL を実行", "执行 SQL 语句"),
    ("Install Plug-In File", "プラグインファイルのインストール", "安装插件文件"),
    ("Open URL", "URL を開く", "打开 URL"),
    ("Perform AppleScript", "AppleScript を実行", ("执行 AppleScript", "执行 AppleScript (macOS)")),
    (
        "Perform JavaScript in Web Viewer",
        "Web ビューアで JavaScript を実行",
        "在 Web 查看器中执行 JavaScript",
    ),
    ("Send DDE Execute", "DDE Execute 送信", ("发送 DDE 执行", "发送 DDE 执行 (Windows)")),
    ("Send Event", "イベント送信", "发送事件"),
    ("Send Mail", "メール送信", "发送邮件"),
    ("Set Web Viewer", "Web ビューアの設定", "设置 Web 查看器"),
    ("Speak", "読み上げ", ("朗读", "朗读 (macOS)")),
    ("Configure Machine Learning Model", "機械学習モデルを構成", "配置机器学习模型"),
)

# Steps that could run headless but fmscript does not run yet; error 3 when reached.
NOT_YET: tuple[tuple[str, str | tuple[str, ...], str | tuple[str, ...]], ...] = ()

STEPS: tuple[StepSpec, ...] = (
    *(_s(en, ja, zh, handler=_NOTHING, post=_ANY) for en, ja, zh in NO_OP),
    *(_s(en, ja, zh, post=_ANY) for en, ja, zh in NOT_APPLICABLE + NOT_YET),
)
