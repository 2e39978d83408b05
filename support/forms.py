from django import forms

from .services import BODY_MAX, SUBJECT_MAX


class TicketForm(forms.Form):
    subject = forms.CharField(max_length=SUBJECT_MAX, label="Subject")
    body = forms.CharField(max_length=BODY_MAX, label="Your question", widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="What you did, what you expected and what happened. We see the migration and "
                                     "run this ticket is about, never your store's keys.")


class ReplyForm(forms.Form):
    body = forms.CharField(max_length=BODY_MAX, label="Your reply", widget=forms.Textarea(attrs={"rows": 4}))
