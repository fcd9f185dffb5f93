// Words of signing in: the second factor of administrators, renewing a reset password; merged into i18n.js.
export const zh = {
  code: '验证码', codeHint: '请输入手机身份验证器应用中当前显示的 6 位验证码；手机不在身边时可输入一个恢复码',
  verify: '验证', back: '返回', continueIn: '进入系统',
  enrolTitle: '设置双因素认证',
  enrolIntro: '管理员登录须使用双因素认证。请用手机上的身份验证器应用（支持 TOTP 的应用，如 Microsoft Authenticator、'
    + 'Google 身份验证器、FreeOTP 等）扫描下面的二维码，或手动输入密钥，然后输入应用显示的 6 位验证码完成绑定。',
  enrolSecret: '密钥(手动输入)', enrolUri: '绑定地址', enrolConfirm: '完成绑定',
  recoveryTitle: '请保存恢复码',
  recoveryIntro: '手机丢失或无法使用时，每个恢复码可代替验证码使用一次。恢复码只显示这一次，请打印或抄写后妥善保管，不要与密码放在一起。',
  recoverySaved: '我已保存恢复码，进入系统',
  renewTitle: '设置新密码', renewIntro: '您的密码已由安全管理员重置。请先设置只有您自己知道的新密码，再用新密码登录。',
  renewCodeHint: '管理员还须输入手机身份验证器应用中的验证码',
  oldPassword: '安全管理员告知的密码', newPassword: '新密码', confirmPassword: '再次输入新密码',
  passwordMismatch: '两次输入的新密码不一致',
  passwordRuleHint: '须包含大写字母、小写字母、数字、其他字符中的至少三类，不能包含用户名，不能是常见密码，也不能与最近 5 次用过的密码相同',
  renewed: '新密码已设置，请用新密码登录', renewedAdmin: '新密码已设置，请用新密码登录（验证码请等应用显示下一个）',
  loginFailed: '用户名或密码错误，或账号已被锁定', codeFailed: '验证码不正确或已使用过，请输入应用中新显示的验证码',
  tooManyLogins: '尝试次数过多，请 {s} 秒后再试', codeRequired: '请输入验证码',
};

export const en = {
  code: 'Code', codeHint: 'Enter the 6-digit code your authenticator app shows now, or one of your recovery codes',
  verify: 'Verify', back: 'Back', continueIn: 'Continue',
  enrolTitle: 'Set up two-factor sign-in',
  enrolIntro: 'Administrators sign in with a second factor. Scan the QR code with an authenticator app on your phone '
    + '(any TOTP app: Microsoft Authenticator, Google Authenticator, FreeOTP …) or type in the secret, then enter the '
    + "app's 6-digit code.",
  enrolSecret: 'Secret (to type in)', enrolUri: 'Set-up address', enrolConfirm: 'Finish set-up',
  recoveryTitle: 'Keep your recovery codes',
  recoveryIntro: 'If your phone is lost, each recovery code stands in for the app once. They are shown only now: '
    + 'print them or write them down and keep them safe, apart from your password.',
  recoverySaved: 'I have kept them — continue',
  renewTitle: 'Choose a new password',
  renewIntro: 'A security administrator reset your password. Choose one only you know, then log in with it.',
  renewCodeHint: 'Administrators also enter the code of their authenticator app',
  oldPassword: 'Password you were given', newPassword: 'New password', confirmPassword: 'New password again',
  passwordMismatch: 'The new passwords differ',
  passwordRuleHint: 'Three of: lower case, upper case, digits, other characters; not containing the username; not a '
    + 'common password; none of your last 5',
  renewed: 'New password set: log in with it', renewedAdmin: 'New password set: log in with it (with the next code the app shows)',
  loginFailed: 'Wrong username or password, or the account is locked',
  codeFailed: 'Wrong code, or used already: enter the code the app shows now',
  tooManyLogins: 'Too many attempts: try again in {s} s', codeRequired: 'Enter the code',
};
