; Backstage for Windows: a per-user installer (no administrator rights), compiled with Inno Setup 6.
; Build it with `python packaging/build.py inno`, which passes these with /D:
;   AppVersion   the version from pyproject.toml
;   SourceDir    the PyInstaller onedir (dist\backstage: Backstage.exe, backstage-cli.exe, _internal\)
;   OutputDir    where Backstage-<version>-setup.exe is written
;   IconFile     resources\icons\backstage.ico
;   LicenceFile  packaging\licences\Backstage-LICENSE.txt
; Installs to %LOCALAPPDATA%\Programs\Backstage, adds a Start menu entry (and, if asked, a desktop
; icon) and registers an uninstaller under Settings > Apps. Chats and settings live in the user's
; profile folder and are kept on uninstall.

#ifndef AppVersion
  #error Pass /DAppVersion=... (packaging/build.py inno does)
#endif

[Setup]
; The AppId identifies Backstage to Windows across versions: never change it.
AppId={{6F3C2B8E-5A41-4C7D-9E0B-2D8F1A6C4B93}
AppName=Backstage
AppVersion={#AppVersion}
AppVerName=Backstage {#AppVersion}
AppPublisher=The Backstage authors
VersionInfoVersion={#AppVersion}
VersionInfoDescription=Backstage setup
PrivilegesRequired=lowest
DefaultDirName={autopf}\Backstage
DefaultGroupName=Backstage
DisableProgramGroupPage=yes
DisableDirPage=auto
LicenseFile={#LicenceFile}
OutputDir={#OutputDir}
OutputBaseFilename=Backstage-{#AppVersion}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\Backstage.exe
UninstallDisplayName=Backstage
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundled libraries wholesale, so no file of an older version lingers.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Backstage"; Filename: "{app}\Backstage.exe"; Comment: "An AI chat that shows where every answer came from"
Name: "{autodesktop}\Backstage"; Filename: "{app}\Backstage.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Backstage.exe"; Description: "{cm:LaunchProgram,Backstage}"; Flags: nowait postinstall skipifsilent
