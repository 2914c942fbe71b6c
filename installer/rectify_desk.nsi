; NSIS installer for 散乱污整治管理台 (Rectify Desk).
; Per-user install (no administrator rights) into %LOCALAPPDATA%\Programs\RectifyDesk, Start-menu
; and desktop shortcuts, in-place upgrades; the uninstaller keeps the clerk's database, backups
; and logs (%LOCALAPPDATA%\RectifyDesk) unless asked to remove them.
;
;   python installer\build.py --nsis          (builds the bundle first, then this script)
;   uninstall.exe /S keeps the data; uninstall.exe /S /REMOVEDATA removes it as well.
;   makensis /DVERSION=0.1.0 /DBUNDLE=dist\RectifyDesk /DOUTFILE=dist\setup.exe installer\rectify_desk.nsi
Unicode true
ManifestDPIAware true

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef BUNDLE
  !define BUNDLE "${__FILEDIR__}\..\dist\RectifyDesk"
!endif
!ifndef OUTFILE
  !define OUTFILE "${__FILEDIR__}\..\dist\RectifyDesk-${VERSION}-setup.exe"
!endif
!ifndef COMPRESSOR
  !define COMPRESSOR "lzma"
!endif

!define APPNAME "散乱污整治管理台"
!define APPID "RectifyDesk"
!define EXE "RectifyDesk.exe"
!define PUBLISHER "市生态环境局"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}"
!define APP_KEY "Software\${APPID}"
; platformdirs' per-user folder: the database (rectify.db), backups\, Logs\, connection.json
!define DATA_DIR "$LOCALAPPDATA\${APPID}"

SetCompressor /SOLID ${COMPRESSOR}
Name "${APPNAME}"
Caption "${APPNAME} ${VERSION} 安装"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APPID}"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
RequestExecutionLevel user
ShowInstDetails show
ShowUninstDetails show
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=2052 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=2052 "FileDescription" "${APPNAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "${PUBLISHER}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "Sections.nsh"

!define MUI_ICON "${__FILEDIR__}\..\resources\icons\app.ico"
!define MUI_UNICON "${__FILEDIR__}\..\resources\icons\app.ico"
!define MUI_ABORTWARNING
!define MUI_UNABORTWARNING

!define MUI_WELCOMEPAGE_TITLE "欢迎安装 ${APPNAME}"
!define MUI_WELCOMEPAGE_TEXT "本程序将把 ${APPNAME} ${VERSION} 安装到当前用户的文件夹中，不需要管理员权限。$\r$\n$\r$\n已安装旧版本时将直接升级，数据库、备份和设置都会保留。$\r$\n$\r$\n安装前请先关闭正在运行的 ${APPNAME}。$\r$\n$\r$\n单击“下一步”继续。"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "立即启动 ${APPNAME}"
!insertmacro MUI_PAGE_FINISH

!define MUI_UNCONFIRMPAGE_TEXT_TOP "将从您的电脑上卸载 ${APPNAME}。数据库、备份和日志默认保留，重新安装后可以继续使用。"
!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_TEXT_TOP "选择要删除的内容。只有勾选“数据库、备份和日志”时才会删除业务数据，删除后无法恢复。"
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"

; The program must not be running while its files are replaced or removed.
!macro ENSURE_CLOSED
  ${Do}
    ClearErrors
    ${IfNot} ${FileExists} "$INSTDIR\${EXE}"
      ${Break}
    ${EndIf}
    FileOpen $0 "$INSTDIR\${EXE}" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    ${IfNot} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APPNAME} 正在运行。请先关闭程序（文件 → 退出），然后单击“重试”。" /SD IDCANCEL IDRETRY`
      Abort
    ${EndIf}
  ${Loop}
!macroend

Function .onInit
  SetShellVarContext current
  ReadRegStr $R0 HKCU "${UNINSTALL_KEY}" "DisplayVersion"
  ${If} $R0 != ""
    ReadRegStr $R1 HKCU "${APP_KEY}" "InstallDir"
    ${If} $R1 != ""
      StrCpy $INSTDIR $R1
    ${EndIf}
  ${EndIf}
FunctionEnd

Section "!${APPNAME}" SecProgram
  SectionIn RO
  SetShellVarContext current
  !insertmacro ENSURE_CLOSED
  ; An upgrade in place: the previous version's program files go, the clerk's data stays.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\rectify.exe"
  SetOutPath "$INSTDIR"
  File /r "${BUNDLE}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateShortcut "$SMPROGRAMS\${APPNAME}\卸载 ${APPNAME}.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "un.程序文件和快捷方式" UnSecProgram
  SectionIn RO
  !insertmacro ENSURE_CLOSED
  Delete "$DESKTOP\${APPNAME}.lnk"
  RMDir /r "$SMPROGRAMS\${APPNAME}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\rectify.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegValue HKCU "${APP_KEY}" "InstallDir"
  DeleteRegValue HKCU "${APP_KEY}" "Version"
SectionEnd

; Not selected unless the clerk ticks it: the database is the office's work.
Section /o "un.数据库、备份和日志（删除后无法恢复）" UnSecData
  RMDir /r "${DATA_DIR}"
  DeleteRegKey HKCU "${APP_KEY}"
SectionEnd

; `uninstall.exe /S /REMOVEDATA` (administrators, scripts): remove the data too.
Function un.onInit
  SetShellVarContext current
  ${un.GetParameters} $R0
  ClearErrors
  ${un.GetOptions} $R0 "/REMOVEDATA" $R1
  ${IfNot} ${Errors}
    SectionSetFlags ${UnSecData} ${SF_SELECTED}
  ${EndIf}
FunctionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecProgram} "删除程序文件、开始菜单和桌面快捷方式。"
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecData} "同时删除 ${DATA_DIR} 中的数据库（rectify.db）、自动备份、日志和连接设置。不勾选则保留，重新安装后可继续使用。"
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
