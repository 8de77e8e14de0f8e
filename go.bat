@ECHO OFF
REM go.bat - (re)start mailq from this folder: stop whatever mailq instances
REM run from here, then start the POP3 instance and the SMTP instance with its
REM delivery (MDA) and exchange (MXA) agents, each in its own window.
REM Extra arguments are passed to both instances, e.g.  go.bat /DEBUG
REM Stop them with ESC in their windows, or:  mailq.exe /stop
SETLOCAL
CD /D "%~dp0"
REM In a source checkout with Go installed, build mailq.exe into run\ and run
REM it there, so the mail tree never mixes with the source folders. Go is
REM named go.exe: cmd.exe looks in the current folder first, where plain "go"
REM is this file. Without Go, a mailq.exe built before in run\ is used.
IF EXIST go.mod (
  go.exe version >NUL 2>&1
  IF NOT ERRORLEVEL 1 (
    IF NOT EXIST run MKDIR run
    REM Windows cannot replace a program that is running: stop it first.
    IF EXIST run\mailq.exe run\mailq.exe /stop >NUL 2>&1
    go.exe build -o run\mailq.exe .
    IF ERRORLEVEL 1 EXIT /B 1
  )
  IF EXIST run\mailq.exe CD /D "%~dp0run"
)
IF NOT EXIST mailq.exe (
  ECHO go.bat: mailq.exe not found. Build it with: go build -o mailq.exe .
  EXIT /B 1
)
REM /stop waits until the running instances have exited.
mailq.exe /stop >NUL 2>&1
START "MailQ (POP3)" "%CD%\mailq.exe" /pop %*
START "MailQ (SMTP)" "%CD%\mailq.exe" /mda /mxa %*
