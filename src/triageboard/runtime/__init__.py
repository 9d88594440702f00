"""Process set-up shared by the window and the scripting commands: logging (:mod:`.logs`), the crash
handler (:mod:`.crash`) and, for the window, the mended qasync loop (:mod:`.loop`, which needs Qt)."""
