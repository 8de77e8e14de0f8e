@ECHO OFF
REM go.bat - start mailq from this folder: the POP3 instance and the SMTP
REM instance with its delivery (MDA) and exchange (MXA) agents, each in its
REM own window. If mailq already runs from this folder, go.bat says so and
REM starts and stops nothing: stop the running instances first to restart.
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
REM /status exits 0 when an instance runs from this folder.
mailq.exe /status %* >NUL 2>&1
IF NOT ERRORLEVEL 1 (
  mailq.exe /status %* | FINDSTR /C:" is running"
  ECHO go.bat: mailq is already running from %CD%; nothing was started or stopped.
  ECHO go.bat: to restart it, stop it first ^(ESC in its windows, or: "%CD%\mailq.exe" /stop^), then run go.bat again.
  EXIT /B 1
)
START "MailQ (POP3)" "%CD%\mailq.exe" /pop %*
START "MailQ (SMTP)" "%CD%\mailq.exe" /mda /mxa %*
