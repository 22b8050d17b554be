Attribute VB_Name = "KpixlRibbon"
' Ribbon handlers of the KPI Dashboard tab. Each runs one Python entry point of kpixl.addin through
' ExecuteWindows of the installed xlwings add-in (what its RunPython calls), with kpixl's own
' interpreter from %APPDATA%\kpixl\addin.conf: the user-wide xlwings.conf stays as other xlwings
' tools set it. xlwings hands Python the active workbook (xw.Book.caller()), so no file name has
' to be quoted into the command. Every failure ends in one message box that says what to do.
Option Explicit

Private Const XLWINGS_ADDIN As String = "xlwings.xlam"
Private Const TITLE As String = "KPI Dashboard"
Private Const SETTINGS_FILE As String = "%APPDATA%\kpixl\addin.conf"
' xlwings' first six PYTHONPATH fields: "false" = do not put the workbook's folder on sys.path
' (kpixl is installed; mapping a OneDrive/SharePoint address to a folder fails for many tenants)
Private Const NO_WORKBOOK_PATH As String = "false;;;;;"

Public Sub KpixlValidateReturn(control As IRibbonControl)
    On Error GoTo Failed
    RunKpixl "import kpixl.addin; kpixl.addin.validate_return()"
    Exit Sub
Failed:
    ShowFailure Err.Number, Err.Description
End Sub

Public Sub KpixlBuildDashboard(control As IRibbonControl)
    On Error GoTo Failed
    RunKpixl "import kpixl.addin; kpixl.addin.build_dashboard()"
    Exit Sub
Failed:
    ShowFailure Err.Number, Err.Description
End Sub

Public Sub KpixlEmailDashboard(control As IRibbonControl)
    On Error GoTo Failed
    RunKpixl "import kpixl.addin; kpixl.addin.email_dashboard()"
    Exit Sub
Failed:
    ShowFailure Err.Number, Err.Description
End Sub

Public Sub KpixlSettings(control As IRibbonControl)
    On Error GoTo Failed
    RunKpixl "import kpixl.addin; kpixl.addin.settings()"
    Exit Sub
Failed:
    ShowFailure Err.Number, Err.Description
End Sub

Private Sub RunKpixl(command As String)
    Dim interpreter As String
    If ActiveWorkbook Is Nothing Then
        If Application.ProtectedViewWindows.Count > 0 Then
            Tell "This workbook is open in Protected View, so kpixl cannot read it. " & _
                 "Click Enable Editing on the yellow bar, then click the button again."
        Else
            Tell "Open a workbook first (a return, a dashboard or a new blank workbook): " & _
                 "kpixl works on the active workbook."
        End If
        Exit Sub
    End If
    If Not AddinLoaded(XLWINGS_ADDIN) Then
        Tell "The xlwings add-in is not loaded, so kpixl cannot run. Close Excel, run " & _
             "kpixl addin install in a command prompt, and start Excel again."
        Exit Sub
    End If
    interpreter = KpixlSetting("INTERPRETER_WIN")
    If Not CreateObject("Scripting.FileSystemObject").FileExists(interpreter) Then
        Tell "Python was not found (" & interpreter & " in " & SETTINGS_FILE & "). " & _
             "Close Excel, run kpixl addin install from the Python environment that has " & _
             "kpixl, and start Excel again."
        Exit Sub
    End If
    Application.Run "'" & XLWINGS_ADDIN & "'!ExecuteWindows", False, command, interpreter, _
                    NO_WORKBOOK_PATH
End Sub

Private Sub ShowFailure(number As Long, description As String)
    Select Case number
        Case 70
            Tell "Windows did not let Excel start Python (error 70, permission denied). On a " & _
                 "managed PC this is Microsoft Defender's rule 'Block all Office applications " & _
                 "from creating child processes' or AppLocker: ask IT to allow Python for " & _
                 "kpixl, as the kpixl add-in guide (docs/addin.md) describes."
        Case 1004, 449, 450
            Tell "The xlwings add-in could not run kpixl (error " & number & ": " & _
                 description & "). Close Excel, run kpixl addin install in a command " & _
                 "prompt, and start Excel again."
        Case Else
            Tell "kpixl could not run (error " & number & ": " & description & "). Run " & _
                 "kpixl addin install again; if it persists, send this message to IT."
    End Select
End Sub

Private Sub Tell(message As String)
    MsgBox message, vbExclamation, TITLE
End Sub

Private Function KpixlSetting(key As String) As String
    ' A "KEY","value" line of kpixl's settings (UTF-16, so any character in a path survives).
    Dim path As String, stream As Object, line As String, sep As Long
    path = CreateObject("WScript.Shell").ExpandEnvironmentStrings(SETTINGS_FILE)
    If Not CreateObject("Scripting.FileSystemObject").FileExists(path) Then Exit Function
    Set stream = CreateObject("Scripting.FileSystemObject").OpenTextFile(path, 1, False, -1)
    Do While Not stream.AtEndOfStream
        line = stream.ReadLine
        sep = InStr(line, """,""")
        If sep > 2 Then
            If UCase$(Mid$(line, 2, sep - 2)) = key Then
                KpixlSetting = Mid$(line, sep + 3, Len(line) - sep - 3)
                Exit Do
            End If
        End If
    Loop
    stream.Close
End Function

Private Function AddinLoaded(name As String) As Boolean
    Dim wb As Workbook
    On Error Resume Next
    Set wb = Workbooks(name)
    On Error GoTo 0
    AddinLoaded = Not wb Is Nothing
End Function
