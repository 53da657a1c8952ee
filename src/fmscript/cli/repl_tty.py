"""The terminal front end of ``fmscript repl`` (prompt_toolkit; imported only on a terminal).

* Enter runs the entry when it is whole (``repl_input.is_complete``), else starts a new line —
  so an If…End If block or a multi-line Let is edited as one entry and recalled as one from history.
* History persists in ``<fmscript home>/repl_history``; Tab completes (``repl_complete``); the
  entry is highlighted as it is typed.
* Ctrl-C cancels the entry being typed (or, while an entry runs, the running step / local training);
  Ctrl-D on an empty prompt quits.
* The first prompt shows before the runtime is imported: the session opens in a background thread
  started after the first render, and the first entry waits for it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import completion_is_selected
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles import Style

if TYPE_CHECKING:
    from fmscript.cli.repl_session import ReplSession

PROMPT = "fm> "
CONTINUATION = "... "

# Styles of the highlighter's fragment names (``repl_complete.highlight``).
STYLE = {
    "step": "bold ansiblue",
    "unknown": "ansired underline",
    "label": "ansicyan",
    "string": "ansigreen",
    "variable": "ansimagenta",
    "field": "ansiyellow",
    "comment": "ansibrightblack italic",
    "meta": "bold ansicyan",
    "number": "ansibrightmagenta",
    "operator": "bold",
}


class SessionLoader:
    """Opens the session in a background thread; :meth:`get` waits for it."""

    def __init__(self, make: Callable[[], ReplSession]) -> None:
        self._make = make
        self._thread: threading.Thread | None = None
        self.session: ReplSession | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="fmscript-repl-open", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            self.session = self._make()
            from fmscript.cli.repl_session import function_names

            function_names()  # load the function registry for completion too
        except BaseException as exc:  # reported by get(), in the main thread
            self.error = exc

    def get(self) -> ReplSession:
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self.session is not None
        return self.session

    @property
    def ready(self) -> ReplSession | None:
        return self.session if self._thread is not None and not self._thread.is_alive() else None


class ReplCompleter(Completer):
    def __init__(self, loader: SessionLoader) -> None:
        self.loader = loader

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        from fmscript.cli import repl_complete as rc

        session = self.loader.ready
        sources: rc.Sources = session if session is not None else rc.NoSources()

        def functions() -> list[str]:
            if session is None:
                return []
            from fmscript.cli.repl_session import function_names

            return function_names()

        for c in rc.complete(document.text_before_cursor, sources, functions):
            yield Completion(c.text, -c.replace, display=c.display or c.text, display_meta=c.meta)


class ReplLexer(Lexer):
    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        if not document.text:
            return lambda n: []  # the first, empty prompt: nothing to import yet
        from fmscript.cli import repl_complete as rc

        lines = rc.highlight(document.text)

        def get_line(n: int) -> StyleAndTextTuples:
            if n >= len(lines):
                return []
            return [(f"class:{style}" if style else "", text) for style, text in lines[n]]

        return get_line


def _bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter", filter=~completion_is_selected)
    def _enter(event: KeyPressEvent) -> None:
        from fmscript.cli.repl_input import is_complete
        from fmscript.cli.repl_session import canonical_step

        buf = event.current_buffer
        text = buf.document.text
        at_end = not buf.document.text_after_cursor.strip()
        if at_end and is_complete(text, canonical_step):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    @kb.add("enter", filter=completion_is_selected)
    def _accept(event: KeyPressEvent) -> None:
        event.current_buffer.complete_state = None  # keep the chosen completion, close the menu

    @kb.add("escape", "enter")
    def _force(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()  # Alt-Enter: run as it is

    return kb


class MaskedFileHistory(FileHistory):
    """The history file, with every ``API key:`` value written as ``"***"`` (the key stays out of
    ``repl_history``, as out of every printed line; this session's recall keeps what was typed)."""

    def store_string(self, string: str) -> None:
        from fmscript.errors import mask_secrets

        super().store_string(mask_secrets(string))


def run_tty(
    make_session: Callable[[], ReplSession],
    history_path: Path,
    dispatch: Callable[[ReplSession, str], bool],
) -> int:
    """The terminal loop; ``dispatch`` runs one entry (``cli.repl.dispatch``, passed in: this
    module is the front end the REPL command chooses, it does not import it back)."""
    loader = SessionLoader(make_session)
    try:
        history_path.parent.mkdir(parents=True, exist_ok=True)
        history: FileHistory | InMemoryHistory = MaskedFileHistory(str(history_path))
    except OSError:
        history = InMemoryHistory()
    prompt: PromptSession[str] = PromptSession(
        history=history,
        completer=ReplCompleter(loader),
        lexer=ReplLexer(),
        style=Style.from_dict(STYLE),
        multiline=True,
        key_bindings=_bindings(),
        prompt_continuation=lambda width, line, wrap: CONTINUATION.rjust(width),
        complete_while_typing=False,
        enable_history_search=False,
    )

    def after_first_render(_app: object) -> None:
        loader.start()
        prompt.app.after_render -= after_first_render

    prompt.app.after_render += after_first_render
    print("fmscript repl — :help for help, Ctrl-D to quit", flush=True)
    try:
        while True:
            try:
                text = prompt.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C: drop the entry being typed
            except EOFError:
                return 0
            from fmscript.cli.repl_input import entries
            from fmscript.cli.repl_meta import Quit
            from fmscript.cli.repl_session import canonical_step

            try:
                session = loader.get()
            except (ValueError, OSError) as exc:
                print(f"fmscript repl: {exc}", file=sys.stderr)
                return 1
            for entry in entries(text.split("\n"), canonical_step):
                try:
                    dispatch(session, entry)
                except Quit:
                    return 0
                except KeyboardInterrupt:
                    print("interrupted", file=sys.stderr)
                    break
    finally:
        if loader.ready is not None:
            loader.ready.close()
