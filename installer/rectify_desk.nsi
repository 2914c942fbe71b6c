; NSIS installer for 散乱污整治管理台 (Rectify Desk), per-user install (no administrator rights).
;   makensis installer\rectify_desk.nsi      (after PyInstaller has filled dist\RectifyDesk)
Unicode true
!include "MUI2.nsh"

!define APPNAME "散乱污整治管理台"
!define APPID "RectifyDesk"
!define VERSION "0.1.0"

Name "${APPNAME}"
OutFile "..\dist\RectifyDesk-${VERSION}-setup.exe"
InstallDir "$LOCALAPPDATA\Programs\${APPID}"
RequestExecutionLevel user

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Section "Install"
  SetOutPath "$INSTDIR"
  File /r "..\dist\RectifyDesk\*.*"
  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk" "$INSTDIR\RectifyDesk.exe"
  CreateShortcut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\RectifyDesk.exe"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}" "UninstallString" "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}" "DisplayVersion" "${VERSION}"
SectionEnd

Section "Uninstall"
  ; The database in %LOCALAPPDATA%\RectifyDesk is the clerk's data and is never removed here.
  RMDir /r "$INSTDIR"
  Delete "$DESKTOP\${APPNAME}.lnk"
  RMDir /r "$SMPROGRAMS\${APPNAME}"
  DeleteRegKey HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}"
SectionEnd
