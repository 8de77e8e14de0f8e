@ECHO OFF
REM go.bat - start mailq from this folder: the POP3 instance and the SMTP
REM instance with its delivery (MDA) and exchange (MXA) agents, each in its
REM own window. If mailq already runs from this folder, go.bat says so and
REM starts and stops nothing: stop the running instances first to restart.
REM Extra arguments are passed to both instances, e.g.  go.bat /DEBUG
REM Stop them with ESC in their windows, or:  mailq.exe /stop
SETLOCAL
CD /D "%~dp0"
REM In a source checkout the program and its mail tree live in run\, apart
REM from the source folders.
SET MAILQ=mailq.exe
IF EXIST go.mod SET MAILQ=run\mailq.exe
REM /status exits 0 when an instance runs from this folder. It is asked
REM before building, too: Windows cannot replace a program that is running.
IF EXIST %MAILQ% (
  %MAILQ% /status %* >NUL 2>&1
  IF NOT ERRORLEVEL 1 GOTO running
)
REM With Go installed, build run\mailq.exe. Go is named go.exe: cmd.exe looks
REM in the current folder first, where plain "go" is this file. Without Go,
REM a mailq.exe built before in run\ is used.
IF EXIST go.mod (
  go.exe version >NUL 2>&1
  IF NOT ERRORLEVEL 1 (
    IF NOT EXIST run MKDIR run
    go.exe build -o run\mailq.exe .
    IF ERRORLEVEL 1 EXIT /B 1
  )
  IF EXIST run\mailq.exe CD /D "%~dp0run"
)
IF NOT EXIST mailq.exe (
  ECHO go.bat: mailq.exe not found. Build it with: go build -o mailq.exe .
  EXIT /B 1
)
START "MailQ (POP3)" "%CD%\mailq.exe" /pop %*
START "MailQ (SMTP)" "%CD%\mailq.exe" /mda /mxa %*
EXIT /B 0

:running
%MAILQ% /status %* | FINDSTR /C:" is running"
ECHO go.bat: mailq is already running; nothing was started or stopped.
ECHO go.bat: to restart it, stop it first ^(ESC in its windows, or: %MAILQ% /stop^), then run go.bat again.
EXIT /B 1
