"""The result pages' HTML forms as models: each field typed and limited. The project idea's own models
(`service.ProjectIdeaIn`, `ProjectIdeaEdit`, `NextStepIn`) then decide, with the page's own field messages."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from werkstatt.forms import FormModel, cut
from werkstatt.results.models import ProjectStatus

STEP_ROWS = 3  # the create form's rows for next steps

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Ids = Annotated[list[Annotated[str, cut(40)]], cut(20)]


class ProjectEditForm(FormModel):
    """The coach corrects a project idea: title, description, owner, focus topics."""

    title: Annotated[str, cut(2000)] = ""
    description: Annotated[str, cut(8000)] = ""
    owner_id: Annotated[str, cut(40)] = ""
    focus_topic_ids: Ids = Field(default_factory=list)

    def edit_data(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "owner_id": self.owner_id or None,
            "focus_topic_ids": self.focus_topic_ids,
        }


class ProjectCreateForm(FormModel):
    """A card (or a cluster: `cluster:<id>`) becomes a project idea, with up to three next steps."""

    idea_id: Annotated[Text, cut(60)] = ""
    title: Annotated[Text, cut(2000)] = ""
    description: Annotated[Text, cut(8000)] = ""
    focus_topic_ids: list[Annotated[str, cut(40)]] = Field(default_factory=list, max_length=50)
    owner_id: Annotated[Text, cut(40)] = ""
    status: Annotated[str, cut(20)] = ProjectStatus.idee.value
    step_text_0: Annotated[Text, cut(2000)] = ""
    step_due_0: Annotated[Text, cut(10)] = ""
    step_text_1: Annotated[Text, cut(2000)] = ""
    step_due_1: Annotated[Text, cut(10)] = ""
    step_text_2: Annotated[Text, cut(2000)] = ""
    step_due_2: Annotated[Text, cut(10)] = ""

    def values(self) -> dict[str, Any]:
        """The form as the page shows it again (the next steps as rows)."""
        return {
            "idea_id": self.idea_id,
            "title": self.title,
            "description": self.description,
            "focus_topic_ids": self.focus_topic_ids,
            "owner_id": self.owner_id,
            "status": self.status,
            "steps": [
                {"text": getattr(self, f"step_text_{n}"), "due_on": getattr(self, f"step_due_{n}")}
                for n in range(STEP_ROWS)
            ],
        }


class StatusForm(FormModel):
    status: ProjectStatus


class NextStepForm(FormModel):
    text: Annotated[str, cut(2000)] = ""
    due_on: Annotated[str | None, cut(10)] = None


class DoneForm(FormModel):
    done: Annotated[str, cut(5)] = ""
