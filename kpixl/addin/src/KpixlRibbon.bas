Attribute VB_Name = "KpixlRibbon"
' Ribbon handlers of the KPI Dashboard tab. Each runs one Python entry point of kpixl.addin
' through RunPython of the installed xlwings add-in, which hands Python the active workbook
' (xw.Book.caller()), so no file name has to be quoted into the command.
Option Explicit

Private Const XLWINGS_ADDIN As String = "xlwings.xlam"
Private Const TITLE As String = "KPI Dashboard"

Public Sub KpixlValidateReturn(control As IRibbonControl)
    RunKpixl "import kpixl.addin; kpixl.addin.validate_return()"
End Sub

Public Sub KpixlBuildDashboard(control As IRibbonControl)
    RunKpixl "import kpixl.addin; kpixl.addin.build_dashboard()"
End Sub

Public Sub KpixlEmailDashboard(control As IRibbonControl)
    RunKpixl "import kpixl.addin; kpixl.addin.email_dashboard()"
End Sub

Public Sub KpixlSettings(control As IRibbonControl)
    RunKpixl "import kpixl.addin; kpixl.addin.settings()"
End Sub

Private Sub RunKpixl(command As String)
    If ActiveWorkbook Is Nothing Then
        MsgBox "Open a workbook first (a return, a dashboard or a new blank workbook): " & _
               "kpixl works on the active workbook.", vbInformation, TITLE
        Exit Sub
    End If
    If Not AddinLoaded(XLWINGS_ADDIN) Then
        MsgBox "The xlwings add-in is not loaded, so kpixl cannot run. " & _
               "Close Excel, run   kpixl addin install   in a command prompt, and start Excel again.", _
               vbExclamation, TITLE
        Exit Sub
    End If
    Application.Run "'" & XLWINGS_ADDIN & "'!RunPython", command
End Sub

Private Function AddinLoaded(name As String) As Boolean
    Dim wb As Workbook
    On Error Resume Next
    Set wb = Workbooks(name)
    On Error GoTo 0
    AddinLoaded = Not wb Is Nothing
End Function
