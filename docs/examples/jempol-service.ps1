# Installs Jempol as a Windows service with NSSM, the "Non-Sucking Service Manager" (a separate
# free tool: jempol.exe does not speak the Windows service protocol itself, so sc.exe alone
# cannot run it). Put nssm.exe (64-bit), jempol.exe and jempol.toml in C:\Jempol, then run
# this in an elevated PowerShell:
#   powershell -ExecutionPolicy Bypass -File C:\Jempol\jempol-service.ps1
# Not tested in CI (CI builds and tests on Linux only).

$ErrorActionPreference = 'Stop'
$Dir  = 'C:\Jempol'
$Nssm = Join-Path $Dir 'nssm.exe'
$Exe  = Join-Path $Dir 'jempol.exe'
$Conf = Join-Path $Dir 'jempol.toml'
$Data = Join-Path $Dir 'data'        # data_dir in jempol.toml
$Logs = Join-Path $Dir 'logs'
$Port = 8080                          # the port of listen in jempol.toml

New-Item -ItemType Directory -Force -Path $Data, $Logs | Out-Null
# Database and logs hold personal data: only SYSTEM (the service's account, NSSM's default)
# and Administrators may read them (SIDs, so it works in any Windows language).
foreach ($d in $Data, $Logs) {
    icacls $d /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
}

& $Nssm install Jempol $Exe
& $Nssm set Jempol AppParameters "--config $Conf serve"
& $Nssm set Jempol AppDirectory $Dir
& $Nssm set Jempol DisplayName 'Jempol'
& $Nssm set Jempol Description 'Jempol - Jemput Bola Perekaman E-KTP'
& $Nssm set Jempol Start SERVICE_AUTO_START
# Stopping sends Ctrl+C, which Jempol handles: it stops accepting connections, finishes the
# requests in flight and exits. Give it up to 30 s before NSSM ends the process.
& $Nssm set Jempol AppStopMethodConsole 30000
# Restart after a crash, 5 s later.
& $Nssm set Jempol AppExit Default Restart
& $Nssm set Jempol AppRestartDelay 5000
# Jempol logs to standard error; keep it in a file, rotated at 10 MB.
& $Nssm set Jempol AppStdout (Join-Path $Logs 'jempol.log')
& $Nssm set Jempol AppStderr (Join-Path $Logs 'jempol.log')
& $Nssm set Jempol AppRotateFiles 1
& $Nssm set Jempol AppRotateOnline 1
& $Nssm set Jempol AppRotateBytes 10485760
# First start only: the first admin's password (otherwise it is generated and written to the
# log once). Remove it afterwards with: nssm reset Jempol AppEnvironmentExtra
# & $Nssm set Jempol AppEnvironmentExtra 'JEMPOL_ADMIN_PASSWORD=ganti-dengan-sandi-panjang'

# Let the other PCs of the office connect (private and domain networks only).
if (-not (Get-NetFirewallRule -DisplayName 'Jempol' -ErrorAction SilentlyContinue)) {
    New-NetFirewallRule -DisplayName 'Jempol' -Direction Inbound -Action Allow -Protocol TCP `
        -LocalPort $Port -Profile Private, Domain | Out-Null
}

Start-Service Jempol
Get-Service Jempol
