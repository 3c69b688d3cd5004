# Backs up Jempol's SQLite database while it runs, checks the copy, keeps the newest $Keep.
# Register it once in Task Scheduler (elevated PowerShell), every working day at 12:30, run
# at the next start if the PC was off:
#
#   $a = New-ScheduledTaskAction -Execute 'powershell.exe' `
#          -Argument '-NoProfile -ExecutionPolicy Bypass -File C:\Jempol\jempol-backup.ps1'
#   $t = New-ScheduledTaskTrigger -Weekly -DaysOfWeek Monday,Tuesday,Wednesday,Thursday,Friday -At 12:30
#   $s = New-ScheduledTaskSettingsSet -StartWhenAvailable
#   $p = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
#   Register-ScheduledTask -TaskName 'Jempol backup' -Action $a -Trigger $t -Settings $s -Principal $p
#
# Test it with: Start-ScheduledTask 'Jempol backup'; then look at "Last Run Result" (0x0 = ok).
# Not tested in CI (CI builds and tests on Linux only).

param(
    [string]$Jempol = 'C:\Jempol\jempol.exe',
    [string]$Config = 'C:\Jempol\jempol.toml',   # the same file the service uses
    [string]$Dest   = 'D:\JempolBackup',         # better another disk than the database's
    [int]$Keep      = 14
)
$ErrorActionPreference = 'Stop'

New-Item -ItemType Directory -Force -Path $Dest | Out-Null
$file = Join-Path $Dest ('jempol-{0}.db' -f (Get-Date -Format 'yyyy-MM-dd_HHmm'))
& $Jempol --config $Config backup $file
if ($LASTEXITCODE -ne 0) { throw "jempol backup failed (exit code $LASTEXITCODE)" }

# Open a scratch copy (opening a database file changes it slightly, the backup stays as written).
$tmp = Join-Path $env:TEMP ('jempol-check-' + [guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    Copy-Item $file (Join-Path $tmp 'jempol.db')
    & $Jempol check --database-url ('sqlite://' + (Join-Path $tmp 'jempol.db'))
    if ($LASTEXITCODE -ne 0) { throw "$file does not check out (exit code $LASTEXITCODE)" }
} finally {
    Remove-Item -Recurse -Force $tmp
}

# Keep the newest $Keep copies.
Get-ChildItem -Path $Dest -Filter 'jempol-*.db' |
    Sort-Object LastWriteTime -Descending |
    Select-Object -Skip $Keep |
    Remove-Item

# Off-site: copy $Dest regularly to another PC or an external disk kept elsewhere, e.g.
# robocopy $Dest \\PC-ARSIP\JempolBackup /MIR   (the PC's computer account needs access)
