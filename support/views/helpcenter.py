"""The help center: public pages (no login needed, so they help before sign-up too). What a platform page says
comes from its connector's `guide`; the rules page's numbers and examples from the settings and the rule
functions the runs are priced with (selectors.help_rules)."""
from django.shortcuts import render

from ..selectors import help_platform, help_platforms, help_rules


def help_index(request):
    return render(request, "support/help/index.html", {"nav": "help", "platforms": help_platforms()})


def help_platform_page(request, platform):
    cls = help_platform(platform=platform)
    return render(request, "support/help/platform.html", {"nav": "help", "cls": cls, "guide": cls.guide,
                                                          "platforms": help_platforms()})


def help_rules_page(request):
    return render(request, "support/help/rules.html", {"nav": "help", "rules": help_rules()})


def help_faq(request):
    return render(request, "support/help/faq.html", {"nav": "help", "rules": help_rules(),
                                                     "platforms": help_platforms()})


def help_checklist(request):
    return render(request, "support/help/checklist.html", {"nav": "help"})
