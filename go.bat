@ECHO OFF
REM go.bat - (re)start mailq from this folder: stop whatever mailq instances
REM run from here, then start the POP3 instance and the SMTP instance with its
REM delivery (MDA) and exchange (MXA) agents, each in its own window.
REM Extra arguments are passed to both instances, e.g.  go.bat /DEBUG
REM Stop them with ESC in their windows, or:  mailq.exe /stop
SETLOCAL
CD /D "%~dp0"
REM In a source checkout with Go installed, build mailq.exe into run\ and run
REM it there, so the mail tree never mixes with the source folders.
IF EXIST go.mod (
  WHERE go >NUL 2>&1
  IF NOT ERRORLEVEL 1 (
    IF NOT EXIST run MKDIR run
    go build -o run\mailq.exe . || EXIT /B 1
    CD /D "%~dp0run"
  )
)
IF NOT EXIST mailq.exe (
  ECHO go.bat: mailq.exe not found. Build it with: go build -o mailq.exe .
  EXIT /B 1
)
REM /stop waits until the running instances have exited.
mailq.exe /stop >NUL 2>&1
START "MailQ (POP3)" "%CD%\mailq.exe" /pop %*
START "MailQ (SMTP)" "%CD%\mailq.exe" /mda /mxa %*
